import Alerts
import Beaches
import FeedCore
import Parking

// What the status computes: domain values, for the HTTP API, the MQTT status publisher and the page to present
// in their own forms.

/// What the recent past says about a car park; empty without live figures.
struct CarParkOutlook: Sendable {
    var trend: OccupancyTrend?
    var minutesToFull: Double?
    var forecast30: Int?
    var forecast60: Int?
    /// What the forecasts rest on: `previous_days` (the same time on that many previous days) or `trend` (the
    /// last hour continued).
    var forecastBasis: String?
    var forecastDays: Int?
}

/// One car park at a moment: its configuration, availability and outlook.
struct CarParkState: Sendable {
    var carPark: CarPark
    var availability: Availability
    var outlook = CarParkOutlook()
    /// Per-space detection: each configured zone counted on its own; `nil` when not asked for or not zoned.
    var zones: [ZoneCount]?
    /// Metres from the point a query asked about.
    var distanceMetres: Double?
}

/// A zone of a car park counted space by space.
struct ZoneCount: Sendable, Equatable {
    var id: String
    var capacity: Int
    var free: Int
    /// Spaces whose detector has not reported recently, counted as occupied.
    var unknown: Int
}

/// Free spaces at a moment.
struct FreeSpaces: Sendable, Equatable {
    var time: Timestamp
    var free: Int
}

/// One car park with its last hour and, for an entry/exit counted car park, its counter's calibration.
struct CarParkDetail: Sendable {
    var state: CarParkState
    /// Free spaces over the last hour, oldest first.
    var history: [FreeSpaces]
    var counter: BalancingCounter.State?
}

/// A beach probe: whether it reports, its latest physical readings and the plume signs they show.
struct ProbeState: Sendable {
    var id: SensorID
    var lastSeen: Timestamp?
    /// Heard from within `probe_offline_hours`.
    var online: Bool
    var turbidity: Double?
    var salinity: Double?
    var temperature: Double?
    var signs: [PlumeSign]
}

/// A beach's seasonal classification and the seasons it covers.
struct SeasonalClassification: Sendable {
    var classification: Classification
    var from: Timestamp
    var to: Timestamp
}

/// One beach at a moment: the assessment and the evidence behind it.
struct BeachState: Sendable {
    var beach: BeachConfiguration
    var assessment: BeachAssessment
    var ecoli: Sample?
    var enterococci: Sample?
    var probe: ProbeState?
    var outfalls: [(outfall: OutfallConfiguration, condition: OutfallCondition)]
    /// The alerts open for the beach.
    var alerts: [Alert]
    /// The municipal order in force.
    var override: BeachOverride?
    var classification: SeasonalClassification?
}
