import Beaches
import FeedCore
import Foundation
import Ingest
import Parking
import TOMLKit
import TimeSeries

/// The daemon's configuration file (TOML), as written by the operator. Keys are snake_case; every section but
/// `[city]` may be left out to take its defaults. `docs/configuration.md` describes each key.
package struct ConfigurationFile: Decodable {
    struct City: Decodable {
        var name: String
        /// IANA time zone of opening hours and local times, e.g. "Europe/Paris".
        var timezone: String?
    }

    struct TLS: Decodable {
        var caFile: String?
        var caDirectory: String?
        var certFile: String?
        var keyFile: String?

        enum CodingKeys: String, CodingKey {
            case caFile = "ca_file"
            case caDirectory = "ca_dir"
            case certFile = "cert_file"
            case keyFile = "key_file"
        }
    }

    struct MQTT: Decodable {
        var broker: String?
        var clientID: String?
        var username: String?
        /// The password in the file itself; `password_file` keeps it out of a file that is often shared.
        var password: String?
        /// A file whose first line is the password: keeps secrets out of the config and the command line.
        var passwordFile: String?
        var maxBurst: Int?
        var tls: TLS?

        enum CodingKeys: String, CodingKey {
            case broker, username, password, tls
            case clientID = "client_id"
            case passwordFile = "password_file"
            case maxBurst = "max_burst"
        }
    }

    struct HTTP: Decodable {
        var listen: String?
        /// The bearer token of the operator endpoints, or a file whose first line is it.
        var operatorToken: String?
        var operatorTokenFile: String?
        var maxConnections: Int?
        var maxConnectionsPerAddress: Int?
        var idleTimeoutSeconds: Int?
        var streamQueue: Int?
        var sendBufferBytes: Int?

        enum CodingKeys: String, CodingKey {
            case listen
            case operatorToken = "operator_token"
            case operatorTokenFile = "operator_token_file"
            case maxConnections = "max_connections"
            case maxConnectionsPerAddress = "max_connections_per_address"
            case idleTimeoutSeconds = "idle_timeout_seconds"
            case streamQueue = "stream_queue"
            case sendBufferBytes = "send_buffer_bytes"
        }
    }

    /// Memory for one class of series (`parking`, `water`, `sewer`, `rain`).
    struct SeriesClassSettings: Decodable {
        var raw: Int?
        /// `"15m:2976"`: step, then how many steps.
        var rollups: [String]?
        var heartbeatMinutes: Number?
        var retentionDays: Number?

        enum CodingKeys: String, CodingKey {
            case raw, rollups
            case heartbeatMinutes = "heartbeat_minutes"
            case retentionDays = "retention_days"
        }
    }

    struct Storage: Decodable {
        var dataDir: String?
        var durability: Durability?
        var classes: [String: SeriesClassSettings]?
        var maxDatabaseMB: Int?

        enum CodingKeys: String, CodingKey {
            case durability, classes
            case dataDir = "data_dir"
            case maxDatabaseMB = "max_database_mb"
        }
    }

    struct Route: Decodable {
        var pattern: String
        var format: PayloadFormat?
        var metric: Metric?
        var sensor: String?
    }

    struct Ingest: Decodable {
        var maxPayloadBytes: Int?
        var maxFutureSkewSeconds: Number?
        var maxAgeDays: Number?
        var routes: [Route]?
        /// Topic names (LoRaWAN device ids, DevEUIs) → configured sensor ids.
        var aliases: [String: String]?

        enum CodingKeys: String, CodingKey {
            case routes, aliases
            case maxPayloadBytes = "max_payload_bytes"
            case maxFutureSkewSeconds = "max_future_skew_seconds"
            case maxAgeDays = "max_age_days"
        }
    }

    struct ParkingSettings: Decodable {
        var staleAfterMinutes: Number?
        enum CodingKeys: String, CodingKey { case staleAfterMinutes = "stale_after_minutes" }
    }

    struct CarPark: Decodable {
        var id: String
        var name: String
        var type: CarParkType?
        var address: String?
        var latitude: Number
        var longitude: Number
        var capacity: Int
        var hasFee: Bool
        var parkAndRide: Bool?
        var maxHeightCM: Int?
        var sensor: String?
        var source: OccupancySource?
        var almostFullFree: Int?
        var tariff1h: Number?
        var tariff2h: Number?
        var tariff3h: Number?
        var tariff4h: Number?
        var tariff24h: Number?
        var disabledSpaces: Int?
        var evChargingSpaces: Int?
        var openingHours: String?
        var overnightOccupancy: Int?
        var nightlyReset: String?
        /// Sensor ids of the per-space detectors (source = "spaces").
        var spaces: [String]?
        /// Groups of those spaces counted on their own.
        var zones: [Zone]?

        struct Zone: Decodable {
            var id: String
            var spaces: [String]
        }
        var spaceHeartbeatMinutes: Number?

        enum CodingKeys: String, CodingKey {
            case id, name, type, address, latitude, longitude, capacity, sensor, source
            case overnightOccupancy = "overnight_occupancy"
            case nightlyReset = "nightly_reset"
            case spaces, zones
            case spaceHeartbeatMinutes = "space_heartbeat_minutes"
            case hasFee = "has_fee"
            case parkAndRide = "park_and_ride"
            case maxHeightCM = "max_height_cm"
            case almostFullFree = "almost_full_free"
            case tariff1h = "tariff_1h"
            case tariff2h = "tariff_2h"
            case tariff3h = "tariff_3h"
            case tariff4h = "tariff_4h"
            case tariff24h = "tariff_24h"
            case disabledSpaces = "disabled_spaces"
            case evChargingSpaces = "ev_charging_spaces"
            case openingHours = "opening_hours"
        }
    }

    struct BeachSettings: Decodable {
        var maxSampleAgeHours: Number?
        var dischargeHoldHours: Number?
        var coastal: Thresholds?
        var inland: Thresholds?
        var detectionLimit: Number?
        var seasonStart: String?
        var seasonEnd: String?
        var turbidityJumpFactor: Number?
        var turbidityMinimumRiseNTU: Number?
        var salinityDropPSU: Number?
        var probeOfflineHours: Number?

        enum CodingKeys: String, CodingKey {
            case coastal, inland
            case maxSampleAgeHours = "max_sample_age_hours"
            case dischargeHoldHours = "discharge_hold_hours"
            case detectionLimit = "detection_limit"
            case seasonStart = "season_start"
            case seasonEnd = "season_end"
            case turbidityJumpFactor = "turbidity_jump_factor"
            case turbidityMinimumRiseNTU = "turbidity_min_rise_ntu"
            case salinityDropPSU = "salinity_drop_psu"
            case probeOfflineHours = "probe_offline_hours"
        }
    }

    /// `[alerts]`: the alert engine's outputs and lifecycle settings.
    struct AlertSettings: Decodable {
        var logFile: String?
        var notGenuine: String?
        var offlineRaiseAfterMinutes: Number?
        var rainClearRatio: Number?
        var statusTopic: String?
        var lateAfterSeconds: Number?
        var backlogQuietSeconds: Number?

        enum CodingKeys: String, CodingKey {
            case lateAfterSeconds = "late_after_seconds"
            case backlogQuietSeconds = "backlog_quiet_seconds"
            case logFile = "log_file"
            case notGenuine = "not_genuine"
            case offlineRaiseAfterMinutes = "offline_raise_after_minutes"
            case rainClearRatio = "rain_clear_ratio"
            case statusTopic = "status_topic"
        }
    }

    /// Per-sample limits, CFU/100 mL (see `SampleThresholds`).
    struct Thresholds: Decodable {
        var goodEcoli: Number
        var goodEnterococci: Number
        var poorEcoli: Number
        var poorEnterococci: Number

        enum CodingKeys: String, CodingKey {
            case goodEcoli = "good_ecoli"
            case goodEnterococci = "good_enterococci"
            case poorEcoli = "poor_ecoli"
            case poorEnterococci = "poor_enterococci"
        }
    }

    struct Beach: Decodable {
        var id: String
        var name: String
        var water: WaterType?
        var latitude: Number
        var longitude: Number
        var probe: String?
        /// `hold` (default) or `clean_sample`: how a discharge alert ends after the stop.
        var clearance: String?
    }

    struct Outfall: Decodable {
        var id: String
        var name: String
        var beaches: [String]
    }

    struct RainGauge: Decodable {
        var id: String
        var name: String
        var beaches: [String]?
        var alertMillimetres24h: Number?

        enum CodingKeys: String, CodingKey {
            case id, name, beaches
            case alertMillimetres24h = "alert_mm_24h"
        }
    }

    struct Simulator: Decodable {
        var parkingTopic: String?
        var beachTopic: String?
        var outfallTopic: String?
        var rainTopic: String?

        enum CodingKeys: String, CodingKey {
            case parkingTopic = "parking_topic"
            case beachTopic = "beach_topic"
            case outfallTopic = "outfall_topic"
            case rainTopic = "rain_topic"
        }
    }

    var city: City
    var mqtt: MQTT?
    var http: HTTP?
    var storage: Storage?
    var ingest: Ingest?
    var parking: ParkingSettings?
    var carParks: [CarPark]?
    var beachSettings: BeachSettings?
    var beaches: [Beach]?
    var outfalls: [Outfall]?
    var rainGauges: [RainGauge]?
    var alerts: AlertSettings?
    var simulator: Simulator?

    enum CodingKeys: String, CodingKey {
        case city, mqtt, http, storage, ingest, parking, beaches, outfalls, simulator, alerts
        case carParks = "car_parks"
        case beachSettings = "beach_settings"
        case rainGauges = "rain_gauges"
    }
}

/// A TOML number: TOML tells integers (`300`) from floats (`300.0`), an operator should not have to.
package struct Number: Decodable {
    var value: Double

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int.self) {
            value = Double(integer)
        } else {
            value = try container.decode(Double.self)
        }
    }
}
