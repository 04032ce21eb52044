import Alerts
import Beaches
import FeedCore
import Foundation
import Ingest
import Parking
import TimeSeries

/// The daemon's configuration file (TOML), as written by the operator: one section per module, each decoded
/// and checked by the module it configures. Keys are snake_case; every section but `[city]` may be left out
/// to take its defaults. `docs/configuration.md` describes each key.
struct ConfigurationFile: Decodable {
    struct City: Decodable {
        var name: String
        /// IANA time zone of opening hours and local times, e.g. "Europe/Paris".
        var timezone: String?
    }

    var city: City
    var mqtt: MQTTSection?
    var http: HTTPSection?
    var storage: StorageSection?
    var ingest: IngestSection?
    var parking: ParkingSection?
    var carParks: [CarParkSection]?
    var beachSettings: BathingSection?
    var beaches: [BeachSection]?
    var outfalls: [OutfallSection]?
    var rainGauges: [RainGaugeSection]?
    var alerts: AlertsSection?
    var simulator: SimulatorTopics.Section?
    var districts: [DistrictSection]?

    enum CodingKeys: String, CodingKey {
        case city, mqtt, http, storage, ingest, parking, beaches, outfalls, simulator, alerts, districts
        case carParks = "car_parks"
        case beachSettings = "beach_settings"
        case rainGauges = "rain_gauges"
    }
}
