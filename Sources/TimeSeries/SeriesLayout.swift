import FeedCore

/// A rollup kept for a class of series: `capacity` steps of `stepSeconds`.
public struct RollupSpec: Sendable, Hashable, CustomStringConvertible {
    /// The length of one step.
    public var stepSeconds: Int64
    /// How many steps the ring keeps (older ones are overwritten).
    public var capacity: Int

    /// A ring of `capacity` steps of `stepSeconds`.
    public init(stepSeconds: Int64, capacity: Int) {
        self.stepSeconds = stepSeconds
        self.capacity = capacity
    }

    /// The longest step a rollup or a query may ask for (a century): its milliseconds fit an `Int64` many
    /// times over, so arithmetic on a parsed step cannot overflow.
    public static let maxStepSeconds: Int64 = 100 * 366 * 86_400
    /// The most steps one ring may hold (its memory is allocated when the series is made).
    public static let maxCapacity = 10_000_000

    /// Parses `"15m:2976"` (step with unit s, m, h or d, then the number of steps).
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let step = Self.parseStep(parts[0]), let capacity = Int(parts[1]),
            (1...Self.maxCapacity).contains(capacity)
        else { return nil }
        self.init(stepSeconds: step, capacity: capacity)
    }

    /// A step: a whole number of seconds, optionally with a unit (s, m, h or d), from 1 s to `maxStepSeconds`;
    /// `nil` for anything else, however large.
    public static func parseStep(_ text: Substring) -> Int64? {
        guard let unit = text.last else { return nil }
        let multiplier: Int64
        var digits = text.dropLast()
        switch unit {
        case "s": multiplier = 1
        case "m": multiplier = 60
        case "h": multiplier = 3_600
        case "d": multiplier = 86_400
        default:
            multiplier = 1
            digits = text
        }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let amount = Int64(digits),
            amount > 0, amount <= maxStepSeconds / multiplier
        else { return nil }
        return amount * multiplier
    }

    public var description: String {
        let step =
            stepSeconds % 86_400 == 0
            ? "\(stepSeconds / 86_400)d"
            : stepSeconds % 3_600 == 0
                ? "\(stepSeconds / 3_600)h"
                : stepSeconds % 60 == 0 ? "\(stepSeconds / 60)m" : "\(stepSeconds)s"
        return "\(step):\(capacity)"
    }
}

/// How much memory one class of series gets: the raw samples kept, the rollups, and the heartbeat after which
/// a step without samples is unknown rather than filled with the previous value.
public struct SeriesClass: Sendable, Hashable {
    /// Raw samples kept in memory per series of the class.
    public var rawCapacity: Int
    /// The rings of aggregates kept per series, finest first.
    public var rollups: [RollupSpec]
    /// A gap longer than this between samples is a gap (unknown), not a value holding.
    public var heartbeatSeconds: Double

    /// A class's memory settings.
    public init(rawCapacity: Int, rollups: [RollupSpec], heartbeatSeconds: Double) {
        self.rawCapacity = rawCapacity
        self.rollups = rollups.sorted { $0.stepSeconds < $1.stepSeconds }
        self.heartbeatSeconds = heartbeatSeconds
    }
}

/// Which class each metric's series belong to, and the resolution its values are kept at in memory.
public struct SeriesLayout: Sendable, Hashable {
    /// Series classes by name: `parking`, `water`, `sewer`, `rain`.
    public var classes: [String: SeriesClass]
    /// In-memory samples keep values as integers of 1/scale: 100 keeps two decimals. The durable log keeps the
    /// value exactly as received.
    public var valueScale: [Metric: Int64]
    /// In-memory samples keep times in this unit (1,000 ms: seconds, what makes timestamps compress well).
    public var timeUnitMilliseconds: Int64

    /// A layout with these classes and value scales.
    public init(classes: [String: SeriesClass], valueScale: [Metric: Int64], timeUnitMilliseconds: Int64 = 1_000) {
        self.classes = classes
        self.valueScale = valueScale
        self.timeUnitMilliseconds = timeUnitMilliseconds
    }

    /// The class of series a metric belongs to: parking, water, sewer or rain.
    public static func className(of metric: Metric) -> String {
        switch metric {
        case .occupied, .free, .entries, .exits, .entriesTotal, .exitsTotal, .spaceOccupied, .occupancySet: "parking"
        case .ecoli, .enterococci, .turbidity, .salinity, .temperature: "water"
        case .overflowState: "sewer"
        case .rainMillimetres: "rain"
        }
    }

    /// The memory settings of the metric's class.
    public func seriesClass(of metric: Metric) -> SeriesClass {
        classes[Self.className(of: metric)] ?? Self.defaults.classes[Self.className(of: metric)]!
    }

    /// The compressed encoding stores a value as an integer of 1/scale of its unit (100: hundredths).
    public func scale(of metric: Metric) -> Int64 {
        valueScale[metric] ?? 100
    }

    /// Sized for a city's few hundred series: two days of minute readings raw, a month at 15 minutes and a
    /// quarter at one hour for car parks; probes and outfalls report less often.
    public static let defaults = SeriesLayout(
        classes: [
            "parking": SeriesClass(
                rawCapacity: 2_880,
                rollups: [
                    RollupSpec(stepSeconds: 900, capacity: 2_976), RollupSpec(stepSeconds: 3_600, capacity: 2_232),
                ],
                heartbeatSeconds: 1_800),
            "water": SeriesClass(
                rawCapacity: 2_880, rollups: [RollupSpec(stepSeconds: 3_600, capacity: 2_232)],
                heartbeatSeconds: 3 * 3_600),
            "sewer": SeriesClass(
                rawCapacity: 4_096, rollups: [RollupSpec(stepSeconds: 3_600, capacity: 2_232)],
                heartbeatSeconds: 24 * 3_600),
            "rain": SeriesClass(
                rawCapacity: 2_880, rollups: [RollupSpec(stepSeconds: 3_600, capacity: 2_232)],
                heartbeatSeconds: 2 * 3_600),
        ],
        valueScale: [
            .occupied: 1, .free: 1, .entries: 1, .exits: 1, .spaceOccupied: 1, .overflowState: 1, .occupancySet: 1,
            .entriesTotal: 1, .exitsTotal: 1,
            .ecoli: 10, .enterococci: 10, .turbidity: 100, .salinity: 100, .temperature: 10, .rainMillimetres: 10,
        ])

    /// The most memory one series of `metric` can take, known from the configuration alone: raw samples at
    /// their worst encoding (17 bytes, every delta at full width) plus one block beyond the capacity, and the
    /// rollups with every step held. Real series take far less: about 1.5 bytes a raw sample, and only the
    /// rollup steps their samples fell in (``steadyStateBytes(of:)``).
    public func worstCaseBytes(of metric: Metric) -> Int {
        let seriesClass = seriesClass(of: metric)
        let raw = (seriesClass.rawCapacity + CompressedSeries.defaultBlockSize) * 17
        let rollups = seriesClass.rollups.reduce(0) { $0 + RollupRing.maximumBytes(capacity: $1.capacity) }
        return raw + rollups
    }

    /// What one series of `metric` takes once it has filled its retention with regular readings: raw samples
    /// at 2 bytes (real data sets measure 1.5 to 1.9, block headers included) and every rollup step held.
    /// A series that reports rarely takes less: only the steps its samples fell in.
    public func steadyStateBytes(of metric: Metric) -> Int {
        let seriesClass = seriesClass(of: metric)
        let raw = (seriesClass.rawCapacity + CompressedSeries.defaultBlockSize) * 2
        return raw + seriesClass.rollups.reduce(0) { $0 + RollupRing.maximumBytes(capacity: $1.capacity) }
    }

    /// The same layout with every class's raw capacity set to `capacity`.
    public func withRawCapacity(_ capacity: Int) -> SeriesLayout {
        var copy = self
        for name in copy.classes.keys { copy.classes[name]!.rawCapacity = capacity }
        return copy
    }
}
