import Alerts
import Beaches
import FeedCore
import Parking

// What the status computes: domain values, for the HTTP API, the MQTT status publisher and the page to present
// in their own forms.

/// What the recent past says about a car park; empty without live figures.
package struct CarParkOutlook: Sendable {
    package var trend: OccupancyTrend?
    package var minutesToFull: Double?
    package var forecast30: Int?
    package var forecast60: Int?
    /// What the forecasts rest on: `previous_days` (the same time on that many previous days) or `trend` (the
    /// last hour continued).
    package var forecastBasis: String?
    package var forecastDays: Int?

    package init() {}
}

/// One car park at a moment: its configuration, availability and outlook.
package struct CarParkState: Sendable {
    package var carPark: CarPark
    package var availability: Availability
    package var outlook = CarParkOutlook()
    /// Per-space detection: each configured zone counted on its own; `nil` when not asked for or not zoned.
    package var zones: [ZoneCount]?
    /// Metres from the point a query asked about.
    package var distanceMetres: Double?
}

/// A zone of a car park counted space by space.
package struct ZoneCount: Sendable, Equatable {
    package var id: String
    package var capacity: Int
    package var free: Int
    /// Spaces whose detector has not reported recently, counted as occupied.
    package var unknown: Int
}

/// Free spaces at a moment.
package struct FreeSpaces: Sendable, Equatable {
    package var time: Timestamp
    package var free: Int
}

/// One car park with its last hour and, for an entry/exit counted car park, its counter's calibration.
package struct CarParkDetail: Sendable {
    package var state: CarParkState
    /// Free spaces over the last hour, oldest first.
    package var history: [FreeSpaces]
    package var counter: BalancingCounter.State?
}

/// A beach probe: whether it reports, its latest physical readings and the plume signs they show.
package struct ProbeState: Sendable {
    package var id: SensorID
    package var lastSeen: Timestamp?
    /// Heard from within `probe_offline_hours`.
    package var online: Bool
    package var turbidity: Double?
    package var salinity: Double?
    package var temperature: Double?
    package var signs: [PlumeSign]
}

/// A beach's seasonal classification and the seasons it covers.
package struct SeasonalClassification: Sendable {
    package var classification: Classification
    package var from: Timestamp
    package var to: Timestamp
}

/// One beach at a moment: the assessment and the evidence behind it.
package struct BeachState: Sendable {
    package var beach: BeachConfiguration
    package var assessment: BeachAssessment
    package var ecoli: Sample?
    package var enterococci: Sample?
    package var probe: ProbeState?
    package var outfalls: [(outfall: OutfallConfiguration, condition: OutfallCondition)]
    /// The alerts open for the beach.
    package var alerts: [Alert]
    /// The municipal order in force.
    package var override: BeachOverride?
    package var classification: SeasonalClassification?
}
