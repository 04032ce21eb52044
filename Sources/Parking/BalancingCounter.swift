import FeedCore

/// A correction an entry/exit counter needed: the raw count left [0, capacity] and was snapped back.
public struct CalibrationEvent: Sendable, Equatable {
    /// When the count was snapped.
    public var time: Timestamp
    /// The count before the snap (below 0 or above the capacity).
    public var raw: Int
    /// The count after the snap: 0 or the capacity.
    public var snappedTo: Int

    /// A snap at `time` from `raw` to `snappedTo`.
    public init(time: Timestamp, raw: Int, snappedTo: Int) {
        self.time = time
        self.raw = raw
        self.snappedTo = snappedTo
    }
}

/// Occupancy from entry and exit counters (FIWARE `balancing`): a baseline plus entries minus exits since the
/// last calibration. Counters drift (double counts, missed cars), so the baseline is reset every night to the
/// configured overnight occupancy and whenever an operator sets the occupancy, and the count is snapped back
/// into [0, capacity] whenever it leaves it; each snap is a calibration event and adds to the drift.
public struct BalancingCounter: Sendable {
    /// The car park's spaces: the count is kept within [0, capacity].
    public var capacity: Int
    /// Occupancy assumed at the nightly reset (cars parked overnight).
    public var overnightOccupancy: Int
    /// Local time of the nightly reset, minutes after midnight.
    public var resetMinute: Int

    /// A counter for a car park of `capacity`, reset every night at `resetMinute` to `overnightOccupancy`.
    public init(capacity: Int, overnightOccupancy: Int, resetMinute: Int) {
        self.capacity = capacity
        self.overnightOccupancy = overnightOccupancy
        self.resetMinute = resetMinute
    }

    /// The counted occupancy, the calibration it started from and the drift since.
    public struct State: Sendable, Equatable {
        /// The counted occupancy, within [0, capacity].
        public var occupied: Int
        /// When the count last changed (or the calibration, if nothing came since).
        public var time: Timestamp
        /// Spaces the snaps added or removed since the calibration: how far the counters have drifted.
        public var drift: Int
        /// The snaps since the calibration, oldest first.
        public var calibrations: [CalibrationEvent]
        /// Where the count started: the nightly reset or an operator's figure, and when.
        public var baselineTime: Timestamp
        /// The count after each change since the baseline, oldest first: the car park's occupancy history.
        public var timeline: [Sample] = []
    }

    /// The occupancy after replaying `entries` and `exits` (increments) from the latest calibration point:
    /// the later of the last nightly reset at or before `now` (`lastReset`) and the operator's last figure.
    public func state(
        entries: [Sample], exits: [Sample], operatorSet: Sample?, lastReset: Timestamp, now: Timestamp
    ) -> State {
        var baselineTime = lastReset
        var occupied = overnightOccupancy
        if let operatorSet, operatorSet.time >= lastReset {
            baselineTime = operatorSet.time
            occupied = min(max(Int(operatorSet.value.rounded()), 0), capacity)
        }
        // Entries and exits reported together (one message, one time) count as their net change.
        var net: [Timestamp: Int] = [:]
        for sample in entries where sample.time > baselineTime && sample.time <= now {
            net[sample.time, default: 0] += Int(sample.value.rounded())
        }
        for sample in exits where sample.time > baselineTime && sample.time <= now {
            net[sample.time, default: 0] -= Int(sample.value.rounded())
        }
        let events = net.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        var state = State(
            occupied: occupied, time: baselineTime, drift: 0, calibrations: [], baselineTime: baselineTime)
        for (time, change) in events {
            let raw = state.occupied + change
            let snapped = min(max(raw, 0), capacity)
            if snapped != raw {
                state.calibrations.append(CalibrationEvent(time: time, raw: raw, snappedTo: snapped))
                state.drift += abs(raw - snapped)
            }
            state.occupied = snapped
            state.time = time
            state.timeline.append(Sample(time: time, value: Double(snapped)))
        }
        return state
    }
}

extension BalancingCounter {
    /// Increments from a cumulative counter's totals (oldest first): each reading's rise over the previous one.
    /// A total that falls was reset (or wrapped): the new total is what was counted since.
    public static func increments(fromTotals totals: [Sample]) -> [Sample] {
        zip(totals, totals.dropFirst()).map { previous, current in
            let rise = current.value - previous.value
            return Sample(time: current.time, value: rise >= 0 ? rise : current.value)
        }
    }
}
