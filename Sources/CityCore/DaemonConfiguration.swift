import Alerts
import Beaches
import FeedCore
import Foundation
import Ingest
import Logging
import Parking
import Storage
import TOMLKit
import TimeSeries

/// Values given on the command line or in the environment that take precedence over the file.
package struct ConfigurationOverrides: Sendable {
    var broker: String?
    var httpListen: String?
    var dataDirectory: String?
    /// The MQTT client id: two instances of a pair share a file and differ in this, the port and the directory.
    var clientID: String?

    /// Overrides; `nil` leaves the file's value.
    package init(
        broker: String? = nil, httpListen: String? = nil, dataDirectory: String? = nil, clientID: String? = nil
    ) {
        self.broker = broker
        self.httpListen = httpListen
        self.dataDirectory = dataDirectory
        self.clientID = clientID
    }

    /// `CITYFEEDS_BROKER`, `CITYFEEDS_HTTP_LISTEN`, `CITYFEEDS_DATA_DIR`, `CITYFEEDS_CLIENT_ID`; flags win over these.
    package static func environment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        ConfigurationOverrides(
            broker: environment["CITYFEEDS_BROKER"], httpListen: environment["CITYFEEDS_HTTP_LISTEN"],
            dataDirectory: environment["CITYFEEDS_DATA_DIR"], clientID: environment["CITYFEEDS_CLIENT_ID"])
    }

    /// `self`'s values where set, otherwise `other`'s.
    package func over(_ other: Self) -> Self {
        ConfigurationOverrides(
            broker: broker ?? other.broker, httpListen: httpListen ?? other.httpListen,
            dataDirectory: dataDirectory ?? other.dataDirectory, clientID: clientID ?? other.clientID)
    }
}

/// Every problem found in a configuration, each with where it is.
package struct ConfigurationError: Error, CustomStringConvertible {
    typealias Problem = ConfigurationProblem

    var file: String
    var problems: [Problem]

    package var description: String {
        (["\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s")"]
            + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// Topics the simulator publishes on; `{sensor}` is replaced by the sensor id.
struct SimulatorTopics: Sendable, Equatable {
    var parking = "cityfeeds/parking/{sensor}/occupancy"
    var beach = "cityfeeds/beach/{sensor}/sample"
    var outfall = "cityfeeds/sewer/{sensor}/state"
    var rain = "cityfeeds/rain/{sensor}/rain"

    /// `[simulator]` as written in the configuration file.
    struct Section: Decodable {
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

    init(_ section: Section? = nil) {
        parking = section?.parkingTopic ?? parking
        beach = section?.beachTopic ?? beach
        outfall = section?.outfallTopic ?? outfall
        rain = section?.rainTopic ?? rain
    }
}

/// The validated configuration the daemon runs on.
package struct DaemonConfiguration: Sendable {
    /// `city.name`.
    package var cityName: String
    /// `city.timezone`: opening hours, nightly resets, seasons and the times the public page shows.
    package var timeZone: TimeZone
    /// Each section is checked by the module it configures.
    package var mqtt: MQTTSettings
    /// `[http]`.
    package var http: HTTPSettings
    /// `[storage]`.
    package var storage: StorageSettings
    /// `[ingest]`.
    package var ingest: IngestSettings
    var parking: ParkingSettings
    var bathingWater: BeachesSettings
    /// `[alerts]`.
    package var alerts: AlertSettings
    var simulatorTopics: SimulatorTopics
    /// `[[districts]]`, each with its car parks and beaches, in the file's order.
    package var districts: [District] = []
    /// What is allowed but worth an operator's attention (a secret file others can read).
    package var warnings: [ConfigurationProblem] = []
    /// When the car parks' and beaches' static data last changed: the file's modification time (ParkAPI's
    /// `static_data_updated_at`).
    package var staticDataUpdatedAt = Timestamp.now

    /// The car parks (`[[car_parks]]`).
    package var carParks: [CarPark] { parking.carParks }
    /// The beaches (`[[beaches]]`).
    package var beaches: [BeachConfiguration] { bathingWater.beaches }
    /// The outfalls (`[[outfalls]]`).
    package var outfalls: [OutfallConfiguration] { bathingWater.outfalls }
    /// A sample older than this says nothing of today's water (`beach_settings.max_sample_age_hours`).
    package var maxSampleAgeSeconds: Double { bathingWater.maxSampleAgeSeconds }
    /// The rain gauges (`[[rain_gauges]]`).
    package var rainGauges: [RainGaugeConfiguration] { bathingWater.rainGauges }
    var dataDirectory: String { storage.dataDirectory }

    /// The store's file in the data directory.
    package var databasePath: String { (dataDirectory as NSString).appendingPathComponent("cityfeeds.sqlite") }
    var alertJournalPath: String { (dataDirectory as NSString).appendingPathComponent("alerts.sqlite") }

    /// The alert engine's rules, from the beaches, outfalls, gauges and settings.
    var alertPolicy: AlertPolicy {
        AlertPolicy(
            beaches: beaches.map {
                AlertPolicy.Beach(
                    id: $0.id, probe: $0.probe,
                    thresholds: bathingWater.thresholds[$0.water] ?? .defaults(for: $0.water),
                    clearance: $0.clearance)
            },
            outfalls: Dictionary(outfalls.map { ($0.id, $0.beaches) }, uniquingKeysWith: { $0 + $1 }),
            rainGauges: Dictionary(
                rainGauges.compactMap { gauge in
                    gauge.alertMillimetres.map {
                        (gauge.id, AlertPolicy.RainGauge(beaches: gauge.beaches, alertMillimetres: $0))
                    }
                }, uniquingKeysWith: { first, _ in first }),
            holdSeconds: bathingWater.dischargeHoldSeconds, offlineRaiseAfterSeconds: alerts.offlineRaiseAfterSeconds,
            rainClearRatio: alerts.rainClearRatio, notGenuine: alerts.notGenuine, catchUp: alerts.catchUp)
    }

    /// What each configured sensor may report, for ingest's validation.
    package var sensorSpecs: [SensorSpec] {
        var specs: [SensorID: SensorSpec] = [:]
        for carPark in carParks {
            // A counter may briefly overshoot; more than 10 % over capacity is impossible.
            let limit = Double(carPark.capacity) * 1.1
            var spec = specs[carPark.sensor] ?? SensorSpec(id: carPark.sensor, metrics: [])
            spec.metrics.formUnion([.occupied, .free, .entries, .exits, .entriesTotal, .exitsTotal, .spaceOccupied])
            spec.maximum[.occupied] = limit
            spec.maximum[.free] = limit
            // One report's entries or exits cannot exceed what the car park holds.
            spec.maximum[.entries] = Double(carPark.capacity)
            spec.maximum[.exits] = Double(carPark.capacity)
            specs[carPark.sensor] = spec
        }
        for carPark in carParks {
            for space in carPark.spaceSensors?.spaces ?? [] {
                specs[space] = SensorSpec(id: space, metrics: [.spaceOccupied])
            }
        }
        for beach in beaches {
            guard let probe = beach.probe else { continue }
            specs[probe] = SensorSpec(
                id: probe, metrics: [.ecoli, .enterococci, .turbidity, .salinity, .temperature],
                maximum: [.salinity: 50, .temperature: 45])
        }
        for outfall in outfalls {
            specs[outfall.id] = SensorSpec(id: outfall.id, metrics: [.overflowState, .rainMillimetres])
        }
        for gauge in rainGauges {
            // 24 h world record is under 2 m of rain; more in one reading is a broken gauge.
            specs[gauge.id] = SensorSpec(id: gauge.id, metrics: [.rainMillimetres], maximum: [.rainMillimetres: 500])
        }
        return specs.values.sorted { $0.id < $1.id }
    }
}

extension DaemonConfiguration {
    /// Reads, decodes and validates `path`, applying `overrides`. Throws `ConfigurationError` listing every
    /// problem found, not just the first.
    package static func load(
        path: String, overrides: ConfigurationOverrides = ConfigurationOverrides()
    ) throws
        -> DaemonConfiguration
    {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ConfigurationError(file: path, problems: [.init(location: path, message: "cannot read the file")])
        }
        var configuration = try parse(text, file: path, overrides: overrides)
        if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date {
            configuration.staticDataUpdatedAt = Timestamp(modified)
        }
        return configuration
    }

    static func parse(_ text: String, file: String, overrides: ConfigurationOverrides) throws -> DaemonConfiguration {
        let raw: ConfigurationFile
        do {
            raw = try TOMLDecoder(strictDecoding: true).decode(ConfigurationFile.self, from: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file,
                problems: [.init(location: "line \(error.source.begin.line)", message: error.description)])
        } catch let error as DecodingError {
            throw ConfigurationError(file: file, problems: [Self.problem(from: error)])
        } catch let error as UnexpectedKeysError {
            throw ConfigurationError(
                file: file,
                problems: error.keys.sorted { $0.key < $1.key }.map { key, path in
                    let parent = Self.location(path)
                    return .init(
                        location: path.isEmpty ? key : "\(parent).\(key)", message: "unknown key '\(key)'")
                })
        }
        var report = ConfigurationReport(baseDirectory: (file as NSString).deletingLastPathComponent)
        guard let configuration = Validator.validate(raw, overrides: overrides, report: &report),
            report.errors.isEmpty
        else {
            throw ConfigurationError(file: file, problems: report.errors)
        }
        return configuration
    }

    static func location(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text.isEmpty ? "(top level)" : text
    }

    static func problem(from error: DecodingError) -> ConfigurationError.Problem {
        switch error {
        case .keyNotFound(let key, let context):
            .init(location: location(context.codingPath + [key]), message: "required key is missing")
        case .typeMismatch(let type, let context):
            .init(location: location(context.codingPath), message: "expected \(type)")
        case .valueNotFound(let type, let context):
            .init(location: location(context.codingPath), message: "expected a value of type \(type)")
        case .dataCorrupted(let context):
            .init(location: location(context.codingPath), message: context.debugDescription)
        @unknown default:
            .init(location: "(unknown)", message: "\(error)")
        }
    }
}

/// Checks the decoded file, each section by the module it configures, and gathers every problem with its
/// location.
private enum Validator {
    static func validate(
        _ raw: ConfigurationFile, overrides: ConfigurationOverrides, report: inout ConfigurationReport
    )
        -> DaemonConfiguration?
    {
        let mqtt = MQTTSettings(
            raw.mqtt, brokerOverride: overrides.broker, clientIDOverride: overrides.clientID,
            defaultClientID: "cityfeedsd-\(raw.city.name.lowercased().filter(\.isLetter))", report: &report)
        let http = HTTPSettings(raw.http, listenOverride: overrides.httpListen, report: &report)
        let storage = StorageSettings(raw.storage, dataDirectoryOverride: overrides.dataDirectory, report: &report)
        // Sensors are claimed as car parks, beaches, outfalls and gauges are read; aliases must name one of them.
        let parking = ParkingSettings(raw.parking, carParks: raw.carParks, report: &report)
        let bathingWater = BeachesSettings(
            raw.beachSettings, beaches: raw.beaches, outfalls: raw.outfalls, rainGauges: raw.rainGauges,
            report: &report)
        let ingest = IngestSettings(raw.ingest, report: &report)
        if let topic = mqtt.operatorTopic, let route = ingest.routes.first(where: { $0.match(topic) != nil }) {
            report.error("mqtt.operator_topic", "'\(topic)' is also a sensor's topic (route '\(route.pattern)')")
        }
        let defaultLogPath = (storage.dataDirectory as NSString).appendingPathComponent("alerts.jsonl")
        let alerts = AlertSettings(raw.alerts, defaultLogPath: defaultLogPath, report: &report)
        let simulatorTopics = SimulatorTopics(raw.simulator)
        let districts = District.checked(
            raw.districts, carParks: parking.carParks, beaches: bathingWater.beaches, report: &report)

        let timeZone = TimeZone(identifier: raw.city.timezone ?? "Europe/Paris")
        if timeZone == nil { report.error("city.timezone", "'\(raw.city.timezone ?? "")' is not an IANA time zone") }

        guard report.errors.isEmpty, let timeZone else { return nil }
        if let problem = unwritable(alerts.logPath) {
            report.error(raw.alerts?.logFile != nil ? "alerts.log_file" : "storage.data_dir", problem)
            return nil
        }
        return DaemonConfiguration(
            cityName: raw.city.name, timeZone: timeZone, mqtt: mqtt, http: http, storage: storage, ingest: ingest,
            parking: parking, bathingWater: bathingWater, alerts: alerts, simulatorTopics: simulatorTopics,
            districts: districts, warnings: report.warnings)
    }

    /// Why the daemon could not append to `path`, if it could not: an existing file must be writable, a new
    /// one creatable in the nearest existing directory above it.
    static func unwritable(_ path: String) -> String? {
        var status = stat()
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { return "'\(path)' is a directory" }
            return access(path, W_OK) == 0 ? nil : "'\(path)' is not writable (\(String(cString: strerror(errno))))"
        }
        var directory = (path as NSString).deletingLastPathComponent
        while !directory.isEmpty, directory != "/", stat(directory, &status) != 0 {
            directory = (directory as NSString).deletingLastPathComponent
        }
        if directory.isEmpty { directory = "." }
        guard stat(directory, &status) == 0 else { return "'\(path)' cannot be created: '\(directory)' cannot be read" }
        guard status.st_mode & S_IFMT == S_IFDIR else {
            return "'\(path)' cannot be created: '\(directory)' is not a directory"
        }
        return access(directory, W_OK | X_OK) == 0 ? nil : "'\(path)' cannot be created: '\(directory)' is not writable"
    }
}

extension DaemonConfiguration {
    /// Messages set aside by ingest (the poison-message quarantine).
    package var quarantinePath: String { (dataDirectory as NSString).appendingPathComponent("quarantine.sqlite") }
    /// The operators' writes taken here that the broker has not confirmed yet (a pair's outbox).
    package var operatorOutboxPath: String {
        (dataDirectory as NSString).appendingPathComponent("operator-outbox.sqlite")
    }
    /// The burst ingest has in hand, for the next start to know after a crash.
    package var inFlightMarkerPath: String { (dataDirectory as NSString).appendingPathComponent("ingest.inflight") }

    /// Creates the data directory if needed, locks it for this process, and checks that this process can
    /// write every file the daemon keeps there (a file left behind by a run as another user, root say, would
    /// otherwise open read-only and fail at the first write).
    package func lockDataDirectory() throws -> DirectoryLock {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let lock = try DirectoryLock(directory: dataDirectory)
        for path in [
            databasePath, alertJournalPath, quarantinePath, operatorOutboxPath, inFlightMarkerPath, alerts.logPath,
        ]
        where FileManager.default.fileExists(atPath: path) && access(path, R_OK | W_OK) != 0 {
            var status = stat()
            let owner = stat(path, &status) == 0 ? "owned by uid \(status.st_uid)" : "unreadable"
            lock.release()
            throw DirectoryLockError(
                directory: dataDirectory,
                problem:
                    "'\(path)' is \(owner) and this process (uid \(geteuid())) cannot write it: chown it to the daemon's user"
            )
        }
        return lock
    }

    /// Opens (or creates) the store in the data directory, as the daemon, a replay and the tests use it.
    package func openStore() throws -> SeriesStore {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        return try SeriesStore(
            configuration: SeriesStoreConfiguration(
                path: databasePath, durability: storage.durability, layout: storage.seriesLayout))
    }

    /// Opens (or creates) the alert journal and log with this configuration's rules.
    package func openAlerts(logger: Logger) throws -> AlertCenter {
        try AlertCenter(
            policy: alertPolicy, journalPath: alertJournalPath, logPath: alerts.logPath,
            synchronousFull: storage.durability == .full, subscriberBuffer: http.streamQueue, logger: logger)
    }
}
