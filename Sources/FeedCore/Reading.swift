/// The identifier of one sensor, as named in the configuration (for example `casino-counter`).
public struct SensorID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The id as configured and as it appears in topics and URLs.
    public let rawValue: String
    /// The id's hash, computed once: a reading's sensor is looked up in several dictionaries (the catalog, the
    /// store's series, the alert engine's subjects), and hashing the string each time was a tenth of ingest.
    private let hash: Int

    /// The sensor with this id.
    public init(_ rawValue: String) {
        self.rawValue = rawValue
        hash = rawValue.hashValue
    }

    /// A sensor id written in code (tests, defaults).
    public init(stringLiteral value: String) {
        self.init(value)
    }

    public init(from decoder: any Decoder) throws {
        self.init(try decoder.singleValueContainer().decode(String.self))
    }

    public static func == (lhs: SensorID, rhs: SensorID) -> Bool {
        lhs.hash == rhs.hash && lhs.rawValue == rhs.rawValue
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(hash)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }

    public static func < (lhs: SensorID, rhs: SensorID) -> Bool { lhs.rawValue < rhs.rawValue }

    public var description: String { rawValue }
}

/// What a reading measures. The raw values are the names used in payloads, storage and the API.
public enum Metric: String, Hashable, Comparable, Sendable, Codable, CaseIterable {
    /// Occupied spaces in a car park (absolute count).
    case occupied
    /// Free spaces in a car park (absolute count).
    case free
    /// Vehicles that entered since the previous reading (a balancing counter's increment).
    case entries
    /// Vehicles that left since the previous reading.
    case exits
    /// A cumulative entry counter (a total that grows, and wraps or resets now and then).
    case entriesTotal = "entries_total"
    /// A cumulative exit counter.
    case exitsTotal = "exits_total"
    /// Escherichia coli, CFU/100 mL.
    case ecoli
    /// Intestinal enterococci, CFU/100 mL.
    case enterococci
    /// Turbidity, NTU.
    case turbidity
    /// Salinity, PSU.
    case salinity
    /// Water temperature, °C.
    case temperature
    /// State of a sewer overflow outfall, encoded by ``OverflowState``.
    case overflowState = "overflow_state"
    /// Rainfall since the previous reading, mm.
    case rainMillimetres = "rain_mm"
    /// Whether one parking space is taken, encoded by ``SpaceState`` (per-space detectors).
    case spaceOccupied = "space_occupied"
    /// An operator's count of occupied spaces, which recalibrates an entry/exit counter.
    case occupancySet = "occupancy_set"

    /// Metrics whose values count things and so can never be negative.
    public var isCount: Bool {
        switch self {
        case .occupied, .free, .entries, .exits, .entriesTotal, .exitsTotal, .ecoli, .enterococci, .occupancySet: true
        default: false
        }
    }

    public static func < (lhs: Metric, rhs: Metric) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// The reported state of a sewer overflow outfall, stored as the reading's value.
public enum OverflowState: Int, Sendable, Codable, CaseIterable {
    case stopped = 0
    case discharging = 1
    case offline = 2

    /// The state stored as `value`; `nil` for a value no state has.
    public init?(value: Double) {
        guard let exact = Int(exactly: value) else { return nil }
        self.init(rawValue: exact)
    }

    /// The state an outfall monitor names, in any of the spellings monitors use; `nil` for an unknown name.
    public init?(name: String) {
        switch name.lowercased() {
        case "stopped", "stop", "not_discharging", "off": self = .stopped
        case "discharging", "discharge", "start", "on": self = .discharging
        case "offline": self = .offline
        default: return nil
        }
    }

    /// The state's name in documents and logs.
    public var name: String {
        switch self {
        case .stopped: "stopped"
        case .discharging: "discharging"
        case .offline: "offline"
        }
    }

    /// The state as a reading's value.
    public var value: Double { Double(rawValue) }
}

/// What a per-space parking detector reports, stored as the reading's value. Detectors name their state in
/// many ways (`occupied: true`, `occupancy: "vacant"`, `parking_slot_status: 1`, `status: "free"`); ingest
/// normalises them all to this.
public enum SpaceState: Int, Sendable, Codable, CaseIterable {
    case vacant = 0
    case occupied = 1
    /// The detector says it cannot tell (error, calibrating, obstructed).
    case unknown = 2

    /// The state stored as `value`; `nil` for a value no state has.
    public init?(value: Double) {
        guard let exact = Int(exactly: value) else { return nil }
        self.init(rawValue: exact)
    }

    /// The state as a reading's value.
    public var value: Double { Double(rawValue) }
}

/// One accepted observation: the unit of everything downstream of ingest.
///
/// A reading is identified by `(sensor, metric, time)`; storing the same identity twice is a no-op, which is
/// what makes MQTT redeliveries harmless.
public struct Reading: Hashable, Sendable {
    /// No sensor measures beyond ±10¹² in its unit. Ingest refuses larger values, so that every later
    /// conversion of a value to an integer (counts, the store's scaled encoding) is within range.
    public static let largestValue = 1e12

    /// Which sensor observed it.
    public var sensor: SensorID
    /// What was observed.
    public var metric: Metric
    /// When the sensor observed the value.
    public var time: Timestamp
    /// The observed value, in the metric's unit.
    public var value: Double
    /// When the daemon received the message that carried it.
    public var received: Timestamp

    /// A reading observed at `time` and received at `received`.
    public init(sensor: SensorID, metric: Metric, time: Timestamp, value: Double, received: Timestamp) {
        self.sensor = sensor
        self.metric = metric
        self.time = time
        self.value = value
        self.received = received
    }
}

/// The key of one time series: a sensor's metric.
public struct SeriesKey: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The sensor of the series.
    public var sensor: SensorID
    /// The metric of the series.
    public var metric: Metric

    /// The series of `metric` from `sensor`.
    public init(sensor: SensorID, metric: Metric) {
        self.sensor = sensor
        self.metric = metric
    }

    public static func < (lhs: SeriesKey, rhs: SeriesKey) -> Bool {
        (lhs.sensor, lhs.metric) < (rhs.sensor, rhs.metric)
    }

    public var description: String { "\(sensor)/\(metric.rawValue)" }
}

extension Reading {
    /// The series this reading belongs to.
    public var seriesKey: SeriesKey { SeriesKey(sensor: sensor, metric: metric) }
}

/// One observation in a series.
public struct Sample: Hashable, Sendable, Codable {
    /// When the value was observed.
    public var time: Timestamp
    /// The observed value.
    public var value: Double

    /// A sample of `value` at `time`.
    public init(time: Timestamp, value: Double) {
        self.time = time
        self.value = value
    }
}

/// A failure that comes from the machine, not from the data being processed: a full or failing disk, a
/// damaged file. Ingest never sets a message aside for one of these (it waits for the fault to be fixed).
public protocol EnvironmentalFailure: Error {}
