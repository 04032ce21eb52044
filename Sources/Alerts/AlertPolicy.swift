import Beaches
import FeedCore

/// What marking an alert "not genuine" does.
public enum NotGenuinePolicy: String, Sendable, Codable, CaseIterable {
    /// The alert resolves at once (swimmers are no longer warned); it stays in the history, marked.
    case resolve
    /// The alert is only marked, and runs its course.
    case flag
}

/// When the wall clock may decide for a subject (the time model: docs/alerts.md, "Time").
///
/// Rules decide from the readings' observation times. Only where no newer data exist does the wall clock
/// move a subject on (a hold ending now, a pending alert firing); and newer data may still be on their way
/// while a backlog drains (after an outage, a replayed archive, a batch from a water company). So the wall
/// clock moves a subject on only once its data are live again: the newest reading arrived within
/// `lateAfterSeconds` of its observation time, during the current broker session; or nothing arrived for it
/// for `quietSeconds`, during which the backlog has drained.
public struct CatchUpPolicy: Sendable, Equatable {
    /// A reading received, or a transition recorded, more than this after the moment it describes is late.
    public var lateAfterSeconds: Double
    /// How long a subject whose data came late must be quiet before the wall clock moves it on.
    public var quietSeconds: Double

    /// A policy; the defaults suit minute-scale sensor traffic.
    public init(lateAfterSeconds: Double = 900, quietSeconds: Double = 30) {
        self.lateAfterSeconds = lateAfterSeconds
        self.quietSeconds = quietSeconds
    }
}

/// The rules the alert engine applies: which sensors concern which beaches, and the limits. Built from the
/// daemon's configuration; replaced as a whole on reload.
public struct AlertPolicy: Sendable {
    /// What the engine needs to know of a beach: its probe, its limits and how its discharge alerts end.
    public struct Beach: Sendable {
        /// The beach's id.
        public var id: String
        /// The probe whose E. coli and enterococci samples grade the water.
        public var probe: SensorID?
        /// Its water type's per-sample limits.
        public var thresholds: SampleThresholds
        /// How its discharge alerts end.
        public var clearance: DischargeClearance

        /// A beach's rules.
        public init(id: String, probe: SensorID?, thresholds: SampleThresholds, clearance: DischargeClearance = .hold) {
            self.id = id
            self.probe = probe
            self.thresholds = thresholds
            self.clearance = clearance
        }
    }

    /// A rain gauge that raises a preventive alert on its beaches above a 24-hour total.
    public struct RainGauge: Sendable {
        /// The beaches it raises alerts on.
        public var beaches: [String]
        /// Rain in the last 24 h, mm, at or above which the beaches get a preventive alert.
        public var alertMillimetres: Double

        /// A gauge alerting `beaches` above `alertMillimetres` in 24 h.
        public init(beaches: [String], alertMillimetres: Double) {
            self.beaches = beaches
            self.alertMillimetres = alertMillimetres
        }
    }

    // Constants: the lookup tables below are derived from them once, in `init`.
    /// The beaches, in configuration order.
    public let beaches: [Beach]
    /// Each outfall and the beaches it can reach.
    public let outfalls: [SensorID: [String]]
    /// The gauges that raise alerts.
    public let rainGauges: [SensorID: RainGauge]
    /// How long a discharge alert holds after the stop (48 h by default).
    public var holdSeconds: Double
    /// How long an outfall must stay offline before its monitoring alert fires (one missed report is not an
    /// incident).
    public var offlineRaiseAfterSeconds: Double
    /// A rain alert clears when the 24 h total falls below this share of the alert level (hysteresis).
    public var rainClearRatio: Double
    /// What marking a discharge not genuine does.
    public var notGenuine: NotGenuinePolicy
    /// When the wall clock may decide, and what counts as late.
    public var catchUp: CatchUpPolicy

    /// The rules; the defaults are the documented ones.
    public init(
        beaches: [Beach], outfalls: [SensorID: [String]], rainGauges: [SensorID: RainGauge] = [:],
        holdSeconds: Double = 48 * 3_600, offlineRaiseAfterSeconds: Double = 900, rainClearRatio: Double = 0.8,
        notGenuine: NotGenuinePolicy = .resolve, catchUp: CatchUpPolicy = CatchUpPolicy()
    ) {
        self.catchUp = catchUp
        self.beaches = beaches
        self.outfalls = outfalls
        self.rainGauges = rainGauges
        self.holdSeconds = holdSeconds
        self.offlineRaiseAfterSeconds = offlineRaiseAfterSeconds
        self.rainClearRatio = rainClearRatio
        self.notGenuine = notGenuine
        var beachesByProbe: [SensorID: [String]] = [:]
        for beach in beaches {
            if let probe = beach.probe { beachesByProbe[probe, default: []].append(beach.id) }
        }
        self.beachesByProbe = beachesByProbe
        beachByID = Dictionary(beaches.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var outfallsByBeach: [String: [SensorID]] = [:]
        for (outfall, beaches) in outfalls.sorted(by: { $0.key < $1.key }) {
            for beach in beaches { outfallsByBeach[beach, default: []].append(outfall) }
        }
        self.outfallsByBeach = outfallsByBeach
        var gaugesByBeach: [String: [SensorID]] = [:]
        for (gauge, rule) in rainGauges.sorted(by: { $0.key < $1.key }) {
            for beach in rule.beaches { gaugesByBeach[beach, default: []].append(gauge) }
        }
        self.gaugesByBeach = gaugesByBeach
    }

    let beachesByProbe: [SensorID: [String]]
    let beachByID: [String: Beach]
    let outfallsByBeach: [String: [SensorID]]
    let gaugesByBeach: [String: [SensorID]]

    /// The beach with this id, if configured.
    public func beach(_ id: String) -> Beach? { beachByID[id] }
    /// The outfalls configured to reach `beach`.
    public func outfalls(reaching beach: String) -> [SensorID] { outfallsByBeach[beach] ?? [] }
}
