import FeedCore
import Synchronization

/// One LoRaWAN uplink of one sensor.
public struct UplinkKey: Sendable, Hashable {
    public var sensor: SensorID
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
    }

    private let state = Mutex(State())
    private let windowSeconds: Double

    public init(windowSeconds: Double = 600) {
        self.windowSeconds = windowSeconds
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
                if let id = key.identity.deduplicationID {
                    state.deduplicationIDs[id] = now
                } else {
                    state.frameCounters[key.sensor, default: [:]][key.identity.frameCounter] = now
                }
            }
            if now.seconds(since: state.lastPruned) > windowSeconds {
                prune(&state, at: now)
            }
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
            ? UplinkKey(sensor: "", identity: UplinkIdentity(frameCounter: 0, deduplicationID: key.identity.deduplicationID))
            : key
    }

    private func prune(_ state: inout State, at now: Timestamp) {
        let cutoff = now.adding(seconds: -windowSeconds)
        state.deduplicationIDs = state.deduplicationIDs.filter { $0.value >= cutoff }
        for sensor in Array(state.frameCounters.keys) {
            let kept = state.frameCounters[sensor]!.filter { $0.value >= cutoff }
            state.frameCounters[sensor] = kept.isEmpty ? nil : kept
        }
        state.lastPruned = now
    }
}
