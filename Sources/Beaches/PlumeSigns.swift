import FeedCore

/// Signs in a probe's physical readings that fresh water (a river in spate, a sewer outfall) is reaching
/// the beach: a turbidity jump or a salinity drop against the previous day's median.
public struct PlumeRules: Sendable, Equatable {
    /// Turbidity at least this many times the day's median…
    public var turbidityFactor: Double
    /// …and at least this many NTU above it (a jump from 0.5 to 2 NTU is noise, not a plume).
    public var turbidityMinimumRise: Double
    /// Salinity this many PSU under the day's median.
    public var salinityDrop: Double

    /// Rules: turbidity `turbidityFactor` times its baseline and up by `turbidityMinimumRise` NTU, or salinity down by `salinityDrop` PSU.
    public init(turbidityFactor: Double = 3, turbidityMinimumRise: Double = 5, salinityDrop: Double = 5) {
        self.turbidityFactor = turbidityFactor
        self.turbidityMinimumRise = turbidityMinimumRise
        self.salinityDrop = salinityDrop
    }

    /// - Parameters: each series' last 24 h, oldest first; the newest sample is compared with the median of
    ///   the others. Fewer than four earlier samples say nothing.
    public func signs(turbidity: [Sample], salinity: [Sample]) -> [PlumeSign] {
        var signs: [PlumeSign] = []
        if let (latest, median) = Self.latestAndMedian(turbidity),
            latest.value >= median * turbidityFactor, latest.value - median >= turbidityMinimumRise
        {
            signs.append(PlumeSign(kind: .turbidityJump, time: latest.time, value: latest.value, baseline: median))
        }
        if let (latest, median) = Self.latestAndMedian(salinity), median - latest.value >= salinityDrop {
            signs.append(PlumeSign(kind: .salinityDrop, time: latest.time, value: latest.value, baseline: median))
        }
        return signs
    }

    private static func latestAndMedian(_ series: [Sample]) -> (Sample, Double)? {
        guard let latest = series.last, series.count >= 5 else { return nil }
        let earlier = series.dropLast().map(\.value).sorted()
        let middle = earlier.count / 2
        let median = earlier.count % 2 == 1 ? earlier[middle] : (earlier[middle - 1] + earlier[middle]) / 2
        return (latest, median)
    }
}

/// A sign of a sewage plume seen by a probe: a jump in turbidity or a drop in salinity against its baseline.
public struct PlumeSign: Sendable, Equatable {
    /// Which reading showed it.
    public enum Kind: String, Sendable, Codable {
        case turbidityJump = "turbidity_jump"
        case salinityDrop = "salinity_drop"
    }

    /// Turbidity or salinity.
    public var kind: Kind
    /// When the reading was taken.
    public var time: Timestamp
    /// The reading.
    public var value: Double
    /// The previous day's median it is compared with.
    public var baseline: Double
}
