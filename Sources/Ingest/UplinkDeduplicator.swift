import FeedCore
import Synchronization

/// One LoRaWAN uplink of one sensor.
public struct UplinkKey: Sendable, Hashable {
    /// The sensor.
    public var sensor: SensorID
    /// The uplink's frame counter or deduplication id.
    public var identity: UplinkIdentity
}

/// Recognises LoRaWAN uplinks already stored: a confirmed uplink retransmitted with the same frame counter, or
/// the same ChirpStack `deduplicationId` delivered twice, carries a new receive time, so the store's
/// (sensor, metric, time) identity alone would keep both.
///
/// Uplinks are remembered only once their burst is committed (`remember`), so a burst that fails to commit
/// and is redelivered is not mistaken for a repeat. A frame counter counts as a repeat for `window` only: a
/// device that rejoins starts counting from 0 again.
public final class UplinkDeduplicator: Sendable {
    private struct State {
        var frameCounters: [SensorID: [Int: Timestamp]] = [:]
        var deduplicationIDs: [String: Timestamp] = [:]
        var lastPruned = Timestamp(milliseconds: 0)
        /// Entries in both maps, kept as they change (counting them per burst would cost per sensor).
        var count = 0

        mutating func recount() {
            count = deduplicationIDs.count + frameCounters.values.reduce(0) { $0 + $1.count }
        }
    }

    private let state = Mutex(State())
    private let windowSeconds: Double
    /// Uplinks remembered at most: a flood of distinct uplinks within the window must not grow memory without
    /// bound. Past it, the oldest are forgotten first (a repeat of one of them is stored as a duplicate reading
    /// at worst; the store's own identity still holds).
    private let capacity: Int

    /// Remembers uplinks for `windowSeconds`, at most `capacity` of them.
    public init(windowSeconds: Double = 600, capacity: Int = 200_000) {
        self.windowSeconds = windowSeconds
        self.capacity = capacity
    }

    /// Marks the outcomes whose uplink is already stored, or appears earlier in the same burst.
    public func markRepeats(in outcomes: inout [MessageOutcome], at now: Timestamp) {
        var inBurst = Set<UplinkKey>()
        state.withLock { state in
            for index in outcomes.indices {
                guard let key = outcomes[index].uplink else { continue }
                if isKnown(key, in: state, at: now) || !inBurst.insert(normalised(key)).inserted {
                    outcomes[index].markRepeat()
                }
            }
        }
    }

    /// Records the uplinks of a committed burst.
    public func remember(_ outcomes: [MessageOutcome], at now: Timestamp) {
        state.withLock { state in
            for outcome in outcomes where !outcome.isRepeat {
                guard let key = outcome.uplink else { continue }
                let previous: Timestamp?
                if let id = key.identity.deduplicationID {
                    previous = state.deduplicationIDs.updateValue(now, forKey: id)
                } else {
                    previous = state.frameCounters[key.sensor, default: [:]].updateValue(
                        now, forKey: key.identity.frameCounter)
                }
                if previous == nil { state.count += 1 }
            }
            if now.seconds(since: state.lastPruned) > windowSeconds || state.count > capacity {
                prune(&state, at: now)
            }
            if state.count > capacity { forgetOldest(&state, keeping: capacity / 2) }
        }
    }

    private func isKnown(_ key: UplinkKey, in state: State, at now: Timestamp) -> Bool {
        let seen: Timestamp?
        if let id = key.identity.deduplicationID {
            seen = state.deduplicationIDs[id]
        } else {
            seen = state.frameCounters[key.sensor]?[key.identity.frameCounter]
        }
        guard let seen else { return false }
        return now.seconds(since: seen) <= windowSeconds
    }

    /// Within a burst, a deduplication id identifies the uplink on its own.
    private func normalised(_ key: UplinkKey) -> UplinkKey {
        key.identity.deduplicationID != nil
            ? UplinkKey(
                sensor: "", identity: UplinkIdentity(frameCounter: 0, deduplicationID: key.identity.deduplicationID))
            : key
    }

    /// Keeps the `keeping` most recently remembered uplinks.
    private func forgetOldest(_ state: inout State, keeping: Int) {
        var times = state.deduplicationIDs.values.map(\.milliseconds)
        for counters in state.frameCounters.values { times.append(contentsOf: counters.values.map(\.milliseconds)) }
        times.sort(by: >)
        guard keeping < times.count else { return }
        let cutoff = Timestamp(milliseconds: times[keeping])
        state.deduplicationIDs = state.deduplicationIDs.filter { $0.value > cutoff }
        for sensor in Array(state.frameCounters.keys) {
            let kept = state.frameCounters[sensor]!.filter { $0.value > cutoff }
            state.frameCounters[sensor] = kept.isEmpty ? nil : kept
        }
        state.recount()
    }

    /// How many uplinks are remembered (for tests and the bound).
    var count: Int { state.withLock { $0.count } }

    private func prune(_ state: inout State, at now: Timestamp) {
        let cutoff = now.adding(seconds: -windowSeconds)
        state.deduplicationIDs = state.deduplicationIDs.filter { $0.value >= cutoff }
        for sensor in Array(state.frameCounters.keys) {
            let kept = state.frameCounters[sensor]!.filter { $0.value >= cutoff }
            state.frameCounters[sensor] = kept.isEmpty ? nil : kept
        }
        state.recount()
        state.lastPruned = now
    }
}
