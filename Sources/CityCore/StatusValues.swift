import Alerts
import Beaches
import FeedCore
import Parking

// What the status computes: domain values, for the HTTP API, the MQTT status publisher and the page to present
// in their own forms.

/// What the recent past says about a car park; empty without live figures.
package struct CarParkOutlook: Sendable {
    /// Filling, emptying or steady, over the last hour.
    package var trend: OccupancyTrend?
    /// At the current rate, when it will be full (only while filling).
    package var minutesToFull: Double?
    /// Free spaces forecast in 30 minutes.
    package var forecast30: Int?
    /// Free spaces forecast in 60 minutes.
    package var forecast60: Int?
    /// What the forecasts rest on: `previous_days` (the same time on that many previous days) or `trend` (the
    /// last hour continued).
    package var forecastBasis: String?
    /// How many previous days the forecasts rest on.
    package var forecastDays: Int?

    /// No outlook (no live figures).
    package init() {}
}

/// One car park at a moment: its configuration, availability and outlook.
package struct CarParkState: Sendable {
    /// The car park as configured.
    package var carPark: CarPark
    /// Its availability now.
    package var availability: Availability
    /// Trend and forecasts.
    package var outlook = CarParkOutlook()
    /// Per-space detection: each configured zone counted on its own; `nil` when not asked for or not zoned.
    package var zones: [ZoneCount]?
    /// Metres from the point a query asked about.
    package var distanceMetres: Double?
    /// When its static data (the configuration it comes from) last changed.
    package var staticDataUpdatedAt = Timestamp(milliseconds: 0)
}

/// A zone of a car park counted space by space.
package struct ZoneCount: Sendable, Equatable {
    /// The zone's configured id.
    package var id: String
    /// Its spaces.
    package var capacity: Int
    /// Spaces reported vacant.
    package var free: Int
    /// Spaces whose detector has not reported recently, counted as occupied.
    package var unknown: Int
}

/// Free spaces at a moment.
package struct FreeSpaces: Sendable, Equatable {
    /// When.
    package var time: Timestamp
    /// Free spaces then.
    package var free: Int
}

/// One car park with its last hour and, for an entry/exit counted car park, its counter's calibration.
package struct CarParkDetail: Sendable {
    /// The car park now.
    package var state: CarParkState
    /// Free spaces over the last hour, oldest first.
    package var history: [FreeSpaces]
    /// The counter's state, for an entry/exit counted car park.
    package var counter: BalancingCounter.State?
}

/// A beach probe: whether it reports, its latest physical readings and the plume signs they show.
package struct ProbeState: Sendable {
    /// The probe.
    package var id: SensorID
    /// When it last reported; `nil` if never.
    package var lastSeen: Timestamp?
    /// Heard from within `probe_offline_hours`.
    package var online: Bool
    /// Latest turbidity, NTU.
    package var turbidity: Double?
    /// Latest salinity, PSU.
    package var salinity: Double?
    /// Latest water temperature, °C.
    package var temperature: Double?
    /// Plume signs in its last day of readings (none while offline).
    package var signs: [PlumeSign]
}

/// A beach's seasonal classification and the seasons it covers.
package struct SeasonalClassification: Sendable {
    /// The class and what it rests on.
    package var classification: Classification
    /// Start of the first season assessed.
    package var from: Timestamp
    /// End of the last season assessed.
    package var to: Timestamp
}

/// One beach at a moment: the assessment and the evidence behind it.
package struct BeachState: Sendable {
    /// The beach as configured.
    package var beach: BeachConfiguration
    /// Its status and the reasons.
    package var assessment: BeachAssessment
    /// The newest E. coli sample.
    package var ecoli: Sample?
    /// The newest enterococci sample.
    package var enterococci: Sample?
    /// Its probe, if it has one.
    package var probe: ProbeState?
    /// Each linked outfall and its condition.
    package var outfalls: [(outfall: OutfallConfiguration, condition: OutfallCondition)]
    /// The alerts open for the beach.
    package var alerts: [Alert]
    /// The municipal order in force.
    package var override: BeachOverride?
    /// The seasonal classification, when there is a probe and a past season.
    package var classification: SeasonalClassification?
}
