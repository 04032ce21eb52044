import FeedCore

/// Which way a car park's occupancy is going over the last hour.
public enum OccupancyTrend: String, Sendable, Codable, CaseIterable {
    case increasing
    case decreasing
    case stable
}

/// A counter whose readings cannot be trusted.
public enum CounterQuality: String, Sendable, Codable, CaseIterable {
    /// The same non-zero count for a whole day.
    case stuck
    /// Zero for a whole day.
    case dead
}

/// What the recent past says about a car park: status with hysteresis, trend, time to full, and a short
/// forecast. Pure functions of the occupied-space history (oldest first), so a restart lands in the same state.
public struct ParkingDynamics: Sendable {
    /// Free spaces a car park must regain above a threshold before it leaves `almostFull` or `full`, so that
    /// a count hovering at the threshold does not make the status flicker.
    public var hysteresisFree: Int
    /// A trend is `stable` while occupancy changes by less than this share of the capacity per hour.
    public var stableSharePerHour: Double

    /// Rules with a status hysteresis of `hysteresisFree` spaces, and a car park steady while it changes by less than `stableSharePerHour` of its capacity per hour.
    public init(hysteresisFree: Int = 3, stableSharePerHour: Double = 0.02) {
        self.hysteresisFree = hysteresisFree
        self.stableSharePerHour = stableSharePerHour
    }

    /// The status after the free-space history `free` (oldest first), entering `almostFull` at or below
    /// `almostFullFree` and `full` at 0, leaving each only `hysteresisFree` spaces above its threshold.
    public func status(freeHistory free: [Int], almostFullFree: Int) -> ParkingStatus? {
        guard let first = free.first else { return nil }
        var status: ParkingStatus = first <= 0 ? .full : first <= almostFullFree ? .almostFull : .spacesAvailable
        for value in free.dropFirst() {
            switch status {
            case .full:
                if value > hysteresisFree { status = value <= almostFullFree ? .almostFull : .spacesAvailable }
            case .almostFull:
                if value <= 0 {
                    status = .full
                } else if value > almostFullFree + hysteresisFree {
                    status = .spacesAvailable
                }
            default:
                if value <= 0 {
                    status = .full
                } else if value <= almostFullFree {
                    status = .almostFull
                }
            }
        }
        return status
    }

    /// `stuck` or `dead` when a day of readings (at least `minimumReadings`, spanning 20 hours or more) all
    /// carry the same count: no real car park stays exactly as full, or empty, for that long.
    public func suspectCounter(_ occupied: [Sample], minimumReadings: Int = 12) -> CounterQuality? {
        guard occupied.count >= minimumReadings, let first = occupied.first, let last = occupied.last,
            last.time.seconds(since: first.time) >= 20 * 3_600,
            occupied.allSatisfy({ $0.value == first.value })
        else { return nil }
        return first.value == 0 ? .dead : .stuck
    }

    /// Least-squares slope of occupancy over the samples, in spaces per hour; `nil` with fewer than two
    /// samples or less than 10 minutes between the first and the last.
    public func occupiedPerHour(_ occupied: [Sample]) -> Double? {
        guard occupied.count >= 2, let first = occupied.first, let last = occupied.last,
            last.time.seconds(since: first.time) >= 600
        else { return nil }
        let xs = occupied.map { $0.time.seconds(since: first.time) / 3_600 }
        let ys = occupied.map(\.value)
        let meanX = xs.reduce(0, +) / Double(xs.count)
        let meanY = ys.reduce(0, +) / Double(ys.count)
        let covariance = zip(xs, ys).reduce(0) { $0 + ($1.0 - meanX) * ($1.1 - meanY) }
        let variance = xs.reduce(0) { $0 + ($1 - meanX) * ($1 - meanX) }
        return variance > 0 ? covariance / variance : nil
    }

    /// Filling, emptying or steady, from the change in occupied spaces per hour relative to the capacity.
    public func trend(occupiedPerHour rate: Double, capacity: Int) -> OccupancyTrend {
        let threshold = stableSharePerHour * Double(capacity)
        return rate > threshold ? .increasing : rate < -threshold ? .decreasing : .stable
    }

    /// Minutes until no space is left at the current filling rate; `nil` unless filling.
    public func minutesToFull(free: Int, occupiedPerHour rate: Double, capacity: Int) -> Double? {
        guard trend(occupiedPerHour: rate, capacity: capacity) == .increasing, free > 0 else { return nil }
        return (Double(free) / rate * 60).rounded()
    }

    /// How long a car park's latest figure stays live: the configured cut-off `floor`, or twice the feed's
    /// usual reporting interval (the median of its last twelve, from `reports`, oldest first) when that is
    /// longer, so that a feed reporting every 30 minutes is not blanked for part of every interval; never more
    /// than four times the floor, so that a feed that reports once a day is never shown as live all day.
    public func staleAfter(floor: Double, reports: [Timestamp]) -> Double {
        let recent = reports.suffix(13)
        let gaps = zip(recent, recent.dropFirst()).map { $1.seconds(since: $0) }.filter { $0 > 0 }.sorted()
        guard !gaps.isEmpty else { return floor }
        let median = gaps.count % 2 == 1 ? gaps[gaps.count / 2] : (gaps[gaps.count / 2 - 1] + gaps[gaps.count / 2]) / 2
        return min(max(floor, 2 * median), 4 * floor)
    }

    /// Forecasts are computed for the start of the `forecastBucketSeconds` bucket holding the request time, so
    /// that two requests in one bucket with no new data get the same figures.
    public static let forecastBucketSeconds: Int64 = 300

    /// The start of the forecast bucket holding `time`.
    public static func forecastBucket(_ time: Timestamp) -> Timestamp {
        let step = forecastBucketSeconds * 1_000
        let (quotient, remainder) = time.milliseconds.quotientAndRemainder(dividingBy: step)
        return Timestamp(milliseconds: (remainder < 0 ? quotient - 1 : quotient) * step)
    }

    /// Free spaces expected `minutes` ahead: the change seen over the same minutes on previous days, if any,
    /// else the last hour's trend continued; clamped to [0, capacity].
    ///
    /// - Parameter sameTimeOnPreviousDays: for each previous day with data, (free then, free `minutes` later).
    public func forecastFree(
        now free: Int, minutes: Double, capacity: Int, occupiedPerHour rate: Double?,
        sameTimeOnPreviousDays: [(then: Double, later: Double)]
    ) -> Int? {
        let change: Double
        if !sameTimeOnPreviousDays.isEmpty {
            change =
                sameTimeOnPreviousDays.reduce(0) { $0 + ($1.later - $1.then) } / Double(sameTimeOnPreviousDays.count)
        } else if let rate {
            change = -rate * minutes / 60
        } else {
            return nil
        }
        return min(max(Int((Double(free) + change).rounded()), 0), capacity)
    }
}
