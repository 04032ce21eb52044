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

    package init(broker: String? = nil, httpListen: String? = nil, dataDirectory: String? = nil) {
        self.broker = broker
        self.httpListen = httpListen
        self.dataDirectory = dataDirectory
    }

    /// `CITYFEEDS_BROKER`, `CITYFEEDS_HTTP_LISTEN`, `CITYFEEDS_DATA_DIR`; flags win over these.
    package static func environment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> Self {
        ConfigurationOverrides(
            broker: environment["CITYFEEDS_BROKER"], httpListen: environment["CITYFEEDS_HTTP_LISTEN"],
            dataDirectory: environment["CITYFEEDS_DATA_DIR"])
    }

    /// `self`'s values where set, otherwise `other`'s.
    package func over(_ other: Self) -> Self {
        ConfigurationOverrides(
            broker: broker ?? other.broker, httpListen: httpListen ?? other.httpListen,
            dataDirectory: dataDirectory ?? other.dataDirectory)
    }
}

/// Every problem found in a configuration, each with where it is.
package struct ConfigurationError: Error, CustomStringConvertible {
    package struct Problem: CustomStringConvertible, Sendable {
        var location: String
        var message: String
        package var description: String { "\(location): \(message)" }
    }

    var file: String
    var problems: [Problem]

    package var description: String {
        (["\(file): \(problems.count) problem\(problems.count == 1 ? "" : "s")"]
            + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}

package struct BeachConfiguration: Sendable {
    package var id: String
    package var name: String
    package var water: WaterType
    package var latitude: Double
    package var longitude: Double
    var probe: SensorID?
    var clearance: DischargeClearance = .hold
}

package struct OutfallConfiguration: Sendable {
    package var id: SensorID
    package var name: String
    var beaches: [String]
}

package struct RainGaugeConfiguration: Sendable {
    var id: SensorID
    var name: String
    var beaches: [String] = []
    /// Rain in 24 h that raises a preventive alert on `beaches`; `nil`: no alert.
    var alertMillimetres: Double?
}

/// The bathing season, as month and day, in the city's time zone (the classification's unit).
package struct BathingSeason: Sendable, Equatable {
    var startMonth: Int
    var startDay: Int
    var endMonth: Int
    var endDay: Int

    /// Length in days (in a non-leap year), for the directive's minimum sample count.
    var days: Int {
        let starts = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        return starts[endMonth - 1] + endDay - starts[startMonth - 1] - startDay + 1
    }

    /// Parses `MM-DD`.
    static func day(_ text: String) -> (month: Int, day: Int)? {
        let parts = text.split(separator: "-")
        guard parts.count == 2, let month = Int(parts[0]), let day = Int(parts[1]), (1...12).contains(month),
            (1...31).contains(day)
        else { return nil }
        return (month, day)
    }
}

/// Beach settings beyond the per-sample limits.
package struct BathingSettings: Sendable {
    var season = BathingSeason(startMonth: 6, startDay: 15, endMonth: 9, endDay: 15)
    /// What a count of zero stands for in the classification, CFU/100 mL.
    var detectionLimit = 10.0
    var plume = PlumeRules()
    /// A probe silent for longer than this is shown offline.
    var probeOfflineSeconds = 6 * 3_600.0
}

/// The alert engine's outputs and lifecycle settings.
package struct AlertSettings: Sendable {
    var logPath: String
    var notGenuine: NotGenuinePolicy = .resolve
    var offlineRaiseAfterSeconds = 900.0
    var rainClearRatio = 0.8
    /// When the wall clock may decide for a subject, and what counts as late (see `CatchUpPolicy`).
    var catchUp = CatchUpPolicy()
    /// Retained beach statuses are published here (`{beach}` replaced); `nil`: not published.
    package var statusTopic: String? = "cityfeeds/status/beach/{beach}"
}

/// Topics the simulator publishes on; `{sensor}` is replaced by the sensor id.
package struct SimulatorTopics: Sendable {
    var parking = "cityfeeds/parking/{sensor}/occupancy"
    var beach = "cityfeeds/beach/{sensor}/sample"
    var outfall = "cityfeeds/sewer/{sensor}/state"
    var rain = "cityfeeds/rain/{sensor}/rain"
}

/// The validated configuration the daemon runs on.
package struct DaemonConfiguration: Sendable {
    package var cityName: String
    var timeZone: TimeZone
    package var broker: BrokerAddress
    package var clientID: String
    package var username: String?
    package var password: String?
    package var tls: TLSSettings?
    package var maxBurst: Int
    package var httpHost: String
    package var httpPort: Int
    /// Open HTTP connections at most; more are refused.
    package var httpMaxConnections: Int
    /// Open HTTP connections one client address may hold (a share of `httpMaxConnections`).
    package var httpMaxConnectionsPerAddress: Int
    /// How long a connection may sit idle, or a client take no byte of its answer, before it is closed.
    package var httpIdleTimeoutSeconds: Int
    /// Alert steps a stream client may fall behind before it is disconnected (it resumes from the journal).
    var streamQueue: Int
    /// The kernel send buffer of each HTTP connection.
    package var httpSendBufferBytes: Int
    /// What is allowed but worth an operator's attention (a secret file others can read).
    package var warnings: [ConfigurationError.Problem] = []
    /// Bearer token of the operator endpoints; `nil` disables them.
    package var operatorToken: String?
    var dataDirectory: String
    var durability: Durability
    package var seriesLayout: SeriesLayout
    package var retention: RetentionPolicy
    package var policy: IngestPolicy
    package var routes: [TopicRoute]
    package var aliases: [String: SensorID]
    var staleAfterSeconds: Double
    package var carParks: [CarPark]
    package var beaches: [BeachConfiguration]
    package var outfalls: [OutfallConfiguration]
    package var rainGauges: [RainGaugeConfiguration]
    var thresholds: [WaterType: SampleThresholds]
    var maxSampleAgeSeconds: Double
    var dischargeHoldSeconds: Double
    var bathing: BathingSettings
    package var alerts: AlertSettings
    var simulatorTopics: SimulatorTopics

    package var databasePath: String { (dataDirectory as NSString).appendingPathComponent("cityfeeds.sqlite") }
    var alertJournalPath: String { (dataDirectory as NSString).appendingPathComponent("alerts.sqlite") }

    /// The alert engine's rules, from the beaches, outfalls, gauges and settings.
    var alertPolicy: AlertPolicy {
        AlertPolicy(
            beaches: beaches.map {
                AlertPolicy.Beach(
                    id: $0.id, probe: $0.probe, thresholds: thresholds[$0.water] ?? .defaults(for: $0.water),
                    clearance: $0.clearance)
            },
            outfalls: Dictionary(outfalls.map { ($0.id, $0.beaches) }, uniquingKeysWith: { $0 + $1 }),
            rainGauges: Dictionary(
                rainGauges.compactMap { gauge in
                    gauge.alertMillimetres.map {
                        (gauge.id, AlertPolicy.RainGauge(beaches: gauge.beaches, alertMillimetres: $0))
                    }
                }, uniquingKeysWith: { first, _ in first }),
            holdSeconds: dischargeHoldSeconds, offlineRaiseAfterSeconds: alerts.offlineRaiseAfterSeconds,
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

package extension DaemonConfiguration {
    /// Reads, decodes and validates `path`, applying `overrides`. Throws `ConfigurationError` listing every
    /// problem found, not just the first.
    static func load(
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
        return try parse(text, file: path, overrides: overrides)
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
        var validator = Validator(file: file, baseDirectory: (file as NSString).deletingLastPathComponent)
        guard var configuration = validator.validate(raw, overrides: overrides), validator.problems.isEmpty else {
            throw ConfigurationError(file: file, problems: validator.problems)
        }
        configuration.warnings = validator.warnings
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

/// Checks the decoded file and gathers every problem with its location.
private struct Validator {
    var file: String
    var baseDirectory: String
    var problems: [ConfigurationError.Problem] = []
    var warnings: [ConfigurationError.Problem] = []

    mutating func report(_ location: String, _ message: String) {
        problems.append(.init(location: location, message: message))
    }

    /// Not wrong enough to refuse, but an operator should know (`check-config` prints it; the daemon logs it).
    mutating func warn(_ location: String, _ message: String) {
        warnings.append(.init(location: location, message: message))
    }

    /// A secret read from a file others can read is no longer a secret.
    mutating func warnIfReadableByOthers(_ path: String, _ location: String) {
        var status = stat()
        guard stat(path, &status) == 0, status.st_mode & 0o044 != 0 else { return }
        warn(
            location,
            "'\(path)' is readable by other users (mode \(String(status.st_mode & 0o777, radix: 8))); chmod 600 it")
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

    mutating func validate(_ raw: ConfigurationFile, overrides: ConfigurationOverrides) -> DaemonConfiguration? {
        let brokerText = overrides.broker ?? raw.mqtt?.broker ?? "mqtt://127.0.0.1:1883"
        var broker = BrokerAddress(host: "127.0.0.1", port: 1883)
        do throws(BrokerAddressError) {
            broker = try BrokerAddress(parsing: brokerText)
        } catch {
            report(overrides.broker != nil ? "--broker" : "mqtt.broker", error.description)
        }

        let listen = overrides.httpListen ?? raw.http?.listen ?? "127.0.0.1:8080"
        var httpHost = "127.0.0.1"
        var httpPort = 8080
        if let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon != listen.startIndex
        {
            httpHost = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            httpPort = port
        } else {
            report(overrides.httpListen != nil ? "--http" : "http.listen", "expected HOST:PORT, got '\(listen)'")
        }

        let httpMaxConnections = raw.http?.maxConnections ?? 10_000
        if !(1...1_000_000).contains(httpMaxConnections) {
            report("http.max_connections", "must be between 1 and 1000000")
        }
        let httpMaxConnectionsPerAddress = raw.http?.maxConnectionsPerAddress ?? max(1, httpMaxConnections / 10)
        if !(1...max(1, httpMaxConnections)).contains(httpMaxConnectionsPerAddress) {
            report("http.max_connections_per_address", "must be between 1 and http.max_connections")
        }
        let httpIdleTimeoutSeconds = raw.http?.idleTimeoutSeconds ?? 30
        if !(1...3_600).contains(httpIdleTimeoutSeconds) {
            report("http.idle_timeout_seconds", "must be between 1 and 3600")
        }
        let streamQueue = raw.http?.streamQueue ?? 1_024
        if !(16...100_000).contains(streamQueue) {
            report("http.stream_queue", "must be between 16 and 100000 alert steps")
        }
        let httpSendBufferBytes = raw.http?.sendBufferBytes ?? 262_144
        if !(16_384...16_777_216).contains(httpSendBufferBytes) {
            report("http.send_buffer_bytes", "must be between 16384 and 16777216")
        }

        var password = raw.mqtt?.password
        if password != nil && raw.mqtt?.passwordFile != nil {
            report("mqtt.password", "give either password or password_file, not both")
        }
        if let passwordFile = raw.mqtt?.passwordFile {
            let path = resolve(passwordFile)
            if let contents = try? String(contentsOfFile: path, encoding: .utf8) {
                password = contents.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init)
                warnIfReadableByOthers(path, "mqtt.password_file")
            } else {
                report("mqtt.password_file", "cannot read '\(path)'")
            }
        }

        var operatorToken = raw.http?.operatorToken
        if let file = raw.http?.operatorTokenFile {
            if operatorToken != nil {
                report("http.operator_token", "give either operator_token or operator_token_file")
            }
            if let contents = try? String(contentsOfFile: resolve(file), encoding: .utf8) {
                operatorToken = contents.split(separator: "\n").first.map(String.init)
                warnIfReadableByOthers(resolve(file), "http.operator_token_file")
            } else {
                report("http.operator_token_file", "cannot read '\(resolve(file))'")
            }
        }
        if let token = operatorToken, token.count < 16 {
            report("http.operator_token", "must be at least 16 characters")
        }

        var tls: TLSSettings?
        if let file = raw.mqtt?.tls {
            let settings = TLSSettings(
                caFile: file.caFile.map(resolve), caDirectory: file.caDirectory.map(resolve),
                certificateFile: file.certFile.map(resolve), keyFile: file.keyFile.map(resolve))
            for (key, path) in [
                ("ca_file", settings.caFile), ("cert_file", settings.certificateFile), ("key_file", settings.keyFile),
            ] {
                if let path, !FileManager.default.isReadableFile(atPath: path) {
                    report("mqtt.tls.\(key)", "cannot read '\(path)'")
                }
            }
            if (settings.certificateFile == nil) != (settings.keyFile == nil) {
                report("mqtt.tls", "cert_file and key_file go together")
            }
            tls = settings
        } else if broker.usesTLS {
            tls = TLSSettings()  // the system's CA certificates
        }
        if tls != nil && !broker.usesTLS {
            report("mqtt.broker", "[mqtt.tls] is set but the broker URL is not mqtts://")
        }

        let maxBurst = raw.mqtt?.maxBurst ?? 1_000
        if !(1...100_000).contains(maxBurst) { report("mqtt.max_burst", "must be between 1 and 100000") }

        var policy = IngestPolicy()
        if let bytes = raw.ingest?.maxPayloadBytes {
            if bytes < 16 || bytes > 16_777_216 {
                report("ingest.max_payload_bytes", "must be between 16 and 16777216")
            }
            policy.maxPayloadBytes = bytes
        }
        if let skew = raw.ingest?.maxFutureSkewSeconds?.value {
            if skew < 0 { report("ingest.max_future_skew_seconds", "must not be negative") }
            policy.maxFutureSkewSeconds = skew
        }
        if let days = raw.ingest?.maxAgeDays?.value {
            if days <= 0 { report("ingest.max_age_days", "must be positive") }
            policy.maxAgeSeconds = days * 86_400
        }

        var routes: [TopicRoute] = []
        for (index, route) in (raw.ingest?.routes ?? Self.defaultRoutes).enumerated() {
            do throws(TopicRouteError) {
                routes.append(
                    try TopicRoute(
                        pattern: route.pattern, format: route.format ?? .json, metric: route.metric,
                        sensor: route.sensor.map { SensorID($0) }))
            } catch {
                report("ingest.routes[\(index)]", error.description)
            }
        }

        var seriesLayout = SeriesLayout.defaults
        var retention = RetentionPolicy.defaults
        if let megabytes = raw.storage?.maxDatabaseMB {
            if megabytes < 16 { report("storage.max_database_mb", "must be at least 16") }
            retention.maxBytes = megabytes << 20
        }
        for (name, settings) in (raw.storage?.classes ?? [:]).sorted(by: { $0.key < $1.key }) {
            let location = "storage.classes.\(name)"
            guard var seriesClass = seriesLayout.classes[name] else {
                report(location, "no such class (parking, water, sewer, rain)")
                continue
            }
            if let rawCapacity = settings.raw {
                if !(16...10_000_000).contains(rawCapacity) {
                    report("\(location).raw", "must be between 16 and 10000000")
                }
                seriesClass.rawCapacity = rawCapacity
            }
            if let rollups = settings.rollups {
                var specs: [RollupSpec] = []
                for (index, text) in rollups.enumerated() {
                    guard let spec = RollupSpec(parsing: text), spec.capacity <= 1_000_000 else {
                        report(
                            "\(location).rollups[\(index)]", "expected STEP:COUNT such as \"15m:2976\", got '\(text)'")
                        continue
                    }
                    specs.append(spec)
                }
                seriesClass = SeriesClass(
                    rawCapacity: seriesClass.rawCapacity, rollups: specs, heartbeatSeconds: seriesClass.heartbeatSeconds
                )
            }
            if let days = settings.retentionDays?.value {
                let rollupDays =
                    seriesClass.rollups.map { Double($0.stepSeconds) * Double($0.capacity) / 86_400 }.max() ?? 0
                if days < rollupDays {
                    report(
                        "\(location).retention_days",
                        "must cover the longest rollup (\(Int(rollupDays.rounded(.up))) days)")
                }
                retention.maxAgeSeconds[name] = days * 86_400
            }
            if let minutes = settings.heartbeatMinutes?.value {
                if minutes <= 0 { report("\(location).heartbeat_minutes", "must be positive") }
                seriesClass.heartbeatSeconds = minutes * 60
            }
            seriesLayout.classes[name] = seriesClass
        }

        var sensorOwners: [SensorID: String] = [:]
        var carParks: [CarPark] = []
        var ids = Set<String>()
        for (index, raw) in (raw.carParks ?? []).enumerated() {
            let location = "car_parks[\(index)]"
            checkIdentifier(raw.id, at: "\(location).id", unique: &ids)
            checkPosition(latitude: raw.latitude.value, longitude: raw.longitude.value, at: location)
            if raw.capacity <= 0 { report("\(location).capacity", "must be positive") }
            if let height = raw.maxHeightCM, !(100...1_000).contains(height) {
                report("\(location).max_height_cm", "\(height) cm is not a plausible height limit")
            }
            let sensor = SensorID(raw.sensor ?? raw.id)
            if let owner = sensorOwners[sensor] {
                report("\(location).sensor", "sensor '\(sensor)' is already used by \(owner)")
            }
            sensorOwners[sensor] = location
            var carPark = CarPark(
                id: raw.id, name: raw.name, type: raw.type ?? .carPark, address: raw.address,
                latitude: raw.latitude.value, longitude: raw.longitude.value, capacity: raw.capacity,
                hasFee: raw.hasFee,
                parkAndRide: raw.parkAndRide ?? false, maxHeightCentimetres: raw.maxHeightCM, sensor: sensor,
                almostFullFree: raw.almostFullFree)
            carPark.tariffs = Tariffs(
                oneHour: raw.tariff1h?.value, twoHours: raw.tariff2h?.value, threeHours: raw.tariff3h?.value,
                fourHours: raw.tariff4h?.value, twentyFourHours: raw.tariff24h?.value)
            if !raw.hasFee && !carPark.tariffs.isEmpty {
                report("\(location)", "has_fee = false but tariffs are given")
            }
            for (key, count) in [("disabled_spaces", raw.disabledSpaces), ("ev_charging_spaces", raw.evChargingSpaces)]
            {
                if let count, !(0...raw.capacity).contains(count) {
                    report("\(location).\(key)", "must be between 0 and the capacity")
                }
            }
            carPark.disabledSpaces = raw.disabledSpaces
            carPark.evChargingSpaces = raw.evChargingSpaces
            if raw.source == .balancing {
                let overnight = raw.overnightOccupancy ?? 0
                if !(0...raw.capacity).contains(overnight) {
                    report("\(location).overnight_occupancy", "must be between 0 and the capacity")
                }
                let reset = raw.nightlyReset ?? "04:00"
                let parts = reset.split(separator: ":").compactMap { Int($0) }
                if parts.count != 2 || !(0..<24).contains(parts[0]) || !(0..<60).contains(parts[1]) {
                    report("\(location).nightly_reset", "expected HH:MM, got '\(reset)'")
                }
                carPark.balancing = BalancingCounter(
                    capacity: raw.capacity, overnightOccupancy: overnight,
                    resetMinute: parts.count == 2 ? parts[0] * 60 + parts[1] : 240)
            } else if raw.source == .spaces {
                let spaces = (raw.spaces ?? []).map { SensorID($0) }
                if spaces.isEmpty {
                    report("\(location).spaces", "source = \"spaces\" needs the detectors' sensor ids")
                }
                if spaces.count > raw.capacity { report("\(location).spaces", "more detectors than spaces") }
                for (index, space) in spaces.enumerated() {
                    if let owner = sensorOwners[space] {
                        report("\(location).spaces[\(index)]", "sensor '\(space)' is already used by \(owner)")
                    }
                    sensorOwners[space] = location
                }
                let minutes = raw.spaceHeartbeatMinutes?.value ?? 60
                if minutes <= 0 { report("\(location).space_heartbeat_minutes", "must be positive") }
                var zones: [(id: String, spaces: [SensorID])] = []
                for (index, zone) in (raw.zones ?? []).enumerated() {
                    let members = zone.spaces.map { SensorID($0) }
                    for (spaceIndex, member) in members.enumerated() where !spaces.contains(member) {
                        report(
                            "\(location).zones[\(index)].spaces[\(spaceIndex)]",
                            "'\(member)' is not one of the car park's spaces")
                    }
                    zones.append((zone.id, members))
                }
                carPark.spaceSensors = SpaceSensors(spaces: spaces, heartbeatSeconds: minutes * 60, zones: zones)
            } else if raw.spaces != nil || raw.zones != nil {
                report("\(location).spaces", "spaces and zones apply to source = \"spaces\" only")
            }
            if raw.source != .balancing && (raw.overnightOccupancy != nil || raw.nightlyReset != nil) {
                report("\(location)", "overnight_occupancy and nightly_reset apply to source = \"balancing\" only")
            }
            if let hours = raw.openingHours {
                do throws(OpeningHoursError) {
                    carPark.openingHours = try OpeningHours(parsing: hours)
                } catch {
                    report("\(location).opening_hours", error.description)
                }
            }
            carParks.append(carPark)
        }

        var beaches: [BeachConfiguration] = []
        var beachIDs = Set<String>()
        for (index, raw) in (raw.beaches ?? []).enumerated() {
            let location = "beaches[\(index)]"
            checkIdentifier(raw.id, at: "\(location).id", unique: &beachIDs)
            checkPosition(latitude: raw.latitude.value, longitude: raw.longitude.value, at: location)
            let probe = raw.probe.map { SensorID($0) }
            if let probe {
                if let owner = sensorOwners[probe] {
                    report("\(location).probe", "sensor '\(probe)' is already used by \(owner)")
                }
                sensorOwners[probe] = location
            }
            var clearance = DischargeClearance.hold
            if let text = raw.clearance {
                if let value = DischargeClearance(rawValue: text) {
                    clearance = value
                } else {
                    report("\(location).clearance", "'\(text)' is not one of hold, clean_sample")
                }
                if clearance == .cleanSample && probe == nil {
                    report("\(location).clearance", "clean_sample needs a probe: without one the alert would never end")
                }
            }
            beaches.append(
                BeachConfiguration(
                    id: raw.id, name: raw.name, water: raw.water ?? .coastal, latitude: raw.latitude.value,
                    longitude: raw.longitude.value, probe: probe, clearance: clearance))
        }

        var outfalls: [OutfallConfiguration] = []
        for (index, raw) in (raw.outfalls ?? []).enumerated() {
            let location = "outfalls[\(index)]"
            let id = SensorID(raw.id)
            if let owner = sensorOwners[id] { report("\(location).id", "sensor '\(id)' is already used by \(owner)") }
            sensorOwners[id] = location
            for (beachIndex, beach) in raw.beaches.enumerated() where !beachIDs.contains(beach) {
                report("\(location).beaches[\(beachIndex)]", "no beach has the id '\(beach)'")
            }
            outfalls.append(OutfallConfiguration(id: id, name: raw.name, beaches: raw.beaches))
        }

        var rainGauges: [RainGaugeConfiguration] = []
        for (index, raw) in (raw.rainGauges ?? []).enumerated() {
            let id = SensorID(raw.id)
            if let owner = sensorOwners[id] {
                report("rain_gauges[\(index)].id", "sensor '\(id)' is already used by \(owner)")
            }
            sensorOwners[id] = "rain_gauges[\(index)]"
            for (beachIndex, beach) in (raw.beaches ?? []).enumerated() where !beachIDs.contains(beach) {
                report("rain_gauges[\(index)].beaches[\(beachIndex)]", "no beach has the id '\(beach)'")
            }
            if let level = raw.alertMillimetres24h?.value, level <= 0 {
                report("rain_gauges[\(index)].alert_mm_24h", "must be positive")
            }
            rainGauges.append(
                RainGaugeConfiguration(
                    id: id, name: raw.name, beaches: raw.beaches ?? [], alertMillimetres: raw.alertMillimetres24h?.value
                ))
        }

        var aliases: [String: SensorID] = [:]
        for (name, sensor) in (raw.ingest?.aliases ?? [:]).sorted(by: { $0.key < $1.key }) {
            if sensorOwners[SensorID(sensor)] == nil {
                report("ingest.aliases.\(name)", "no sensor has the id '\(sensor)'")
            }
            aliases[name] = SensorID(sensor)
        }

        let settings = raw.beachSettings
        var thresholds: [WaterType: SampleThresholds] = [:]
        for water in WaterType.allCases {
            let given = water == .coastal ? settings?.coastal : settings?.inland
            let value =
                given.map {
                    SampleThresholds(
                        goodEcoli: $0.goodEcoli.value, goodEnterococci: $0.goodEnterococci.value,
                        poorEcoli: $0.poorEcoli.value, poorEnterococci: $0.poorEnterococci.value)
                } ?? .defaults(for: water)
            if value.goodEcoli > value.poorEcoli || value.goodEnterococci > value.poorEnterococci {
                report("beach_settings.\(water.rawValue)", "a 'good' limit is above its 'poor' limit")
            }
            thresholds[water] = value
        }
        let maxSampleAgeHours = settings?.maxSampleAgeHours?.value ?? 72
        if maxSampleAgeHours <= 0 { report("beach_settings.max_sample_age_hours", "must be positive") }
        let holdHours = settings?.dischargeHoldHours?.value ?? 48
        if holdHours < 0 { report("beach_settings.discharge_hold_hours", "must not be negative") }
        var bathing = BathingSettings()
        for (key, text, keep) in [
            ("season_start", settings?.seasonStart, true), ("season_end", settings?.seasonEnd, false),
        ] {
            guard let text else { continue }
            guard let day = BathingSeason.day(text) else {
                report("beach_settings.\(key)", "'\(text)' is not a month and day (MM-DD)")
                continue
            }
            if keep {
                (bathing.season.startMonth, bathing.season.startDay) = day
            } else {
                (bathing.season.endMonth, bathing.season.endDay) = day
            }
        }
        if bathing.season.days < 7 {
            report("beach_settings.season_end", "the season must end at least a week after it starts, in the same year")
        }
        bathing.detectionLimit = settings?.detectionLimit?.value ?? bathing.detectionLimit
        if bathing.detectionLimit <= 0 { report("beach_settings.detection_limit", "must be positive") }
        bathing.plume = PlumeRules(
            turbidityFactor: settings?.turbidityJumpFactor?.value ?? bathing.plume.turbidityFactor,
            turbidityMinimumRise: settings?.turbidityMinimumRiseNTU?.value ?? bathing.plume.turbidityMinimumRise,
            salinityDrop: settings?.salinityDropPSU?.value ?? bathing.plume.salinityDrop)
        if bathing.plume.turbidityFactor <= 1 { report("beach_settings.turbidity_jump_factor", "must be above 1") }
        bathing.probeOfflineSeconds = (settings?.probeOfflineHours?.value ?? 6) * 3_600
        if bathing.probeOfflineSeconds <= 0 { report("beach_settings.probe_offline_hours", "must be positive") }

        let rawAlerts = raw.alerts
        var alerts = AlertSettings(logPath: "")
        alerts.logPath = rawAlerts?.logFile.map(resolve) ?? ""
        if let text = rawAlerts?.notGenuine {
            if let policy = NotGenuinePolicy(rawValue: text) {
                alerts.notGenuine = policy
            } else {
                report("alerts.not_genuine", "'\(text)' is not one of resolve, flag")
            }
        }
        alerts.offlineRaiseAfterSeconds = (rawAlerts?.offlineRaiseAfterMinutes?.value ?? 15) * 60
        if alerts.offlineRaiseAfterSeconds < 0 { report("alerts.offline_raise_after_minutes", "must not be negative") }
        alerts.rainClearRatio = rawAlerts?.rainClearRatio?.value ?? 0.8
        if !(0.0...1.0).contains(alerts.rainClearRatio) { report("alerts.rain_clear_ratio", "must be from 0 to 1") }
        alerts.catchUp.lateAfterSeconds = rawAlerts?.lateAfterSeconds?.value ?? alerts.catchUp.lateAfterSeconds
        if !(1...86_400).contains(alerts.catchUp.lateAfterSeconds) {
            report("alerts.late_after_seconds", "must be from 1 to 86400")
        }
        alerts.catchUp.quietSeconds = rawAlerts?.backlogQuietSeconds?.value ?? alerts.catchUp.quietSeconds
        if !(0...3_600).contains(alerts.catchUp.quietSeconds) {
            report("alerts.backlog_quiet_seconds", "must be from 0 to 3600")
        }
        if let topic = rawAlerts?.statusTopic {
            if topic.isEmpty {
                alerts.statusTopic = nil
            } else if !topic.contains("{beach}") || topic.contains("+") || topic.contains("#") {
                report("alerts.status_topic", "must contain {beach} and no wildcard")
            } else {
                alerts.statusTopic = topic
            }
        }

        let staleMinutes = raw.parking?.staleAfterMinutes?.value ?? 30
        if staleMinutes <= 0 { report("parking.stale_after_minutes", "must be positive") }

        var topics = SimulatorTopics()
        if let simulator = raw.simulator {
            topics.parking = simulator.parkingTopic ?? topics.parking
            topics.beach = simulator.beachTopic ?? topics.beach
            topics.outfall = simulator.outfallTopic ?? topics.outfall
            topics.rain = simulator.rainTopic ?? topics.rain
        }

        let timeZone = TimeZone(identifier: raw.city.timezone ?? "Europe/Paris")
        if timeZone == nil { report("city.timezone", "'\(raw.city.timezone ?? "")' is not an IANA time zone") }

        guard problems.isEmpty, let timeZone else { return nil }
        let dataDirectory = resolve(overrides.dataDirectory ?? raw.storage?.dataDir ?? "data")
        if alerts.logPath.isEmpty {
            alerts.logPath = (dataDirectory as NSString).appendingPathComponent("alerts.jsonl")
        }
        if let problem = Self.unwritable(alerts.logPath) {
            report(raw.alerts?.logFile != nil ? "alerts.log_file" : "storage.data_dir", problem)
            return nil
        }
        return DaemonConfiguration(
            cityName: raw.city.name, timeZone: timeZone, broker: broker,
            clientID: raw.mqtt?.clientID ?? "cityfeedsd-\(raw.city.name.lowercased().filter(\.isLetter))",
            username: raw.mqtt?.username, password: password, tls: tls, maxBurst: maxBurst, httpHost: httpHost,
            httpPort: httpPort, httpMaxConnections: httpMaxConnections,
            httpMaxConnectionsPerAddress: httpMaxConnectionsPerAddress, httpIdleTimeoutSeconds: httpIdleTimeoutSeconds,
            streamQueue: streamQueue, httpSendBufferBytes: httpSendBufferBytes, operatorToken: operatorToken,
            dataDirectory: dataDirectory,
            durability: raw.storage?.durability ?? .full, seriesLayout: seriesLayout, retention: retention,
            policy: policy,
            routes: routes, aliases: aliases, staleAfterSeconds: staleMinutes * 60, carParks: carParks,
            beaches: beaches,
            outfalls: outfalls, rainGauges: rainGauges, thresholds: thresholds,
            maxSampleAgeSeconds: maxSampleAgeHours * 3_600, dischargeHoldSeconds: holdHours * 3_600,
            bathing: bathing, alerts: alerts, simulatorTopics: topics)
    }

    /// Routes used when the file names none: the simulator's topics.
    static let defaultRoutes: [ConfigurationFile.Route] = [
        .init(pattern: "cityfeeds/parking/{sensor}/occupancy"),
        .init(pattern: "cityfeeds/beach/{sensor}/sample"),
        .init(pattern: "cityfeeds/sewer/{sensor}/state"),
        .init(pattern: "cityfeeds/rain/{sensor}/rain"),
    ]

    /// Relative paths in the file are relative to the file's folder, not to wherever the daemon was started.
    func resolve(_ path: String) -> String {
        if path.hasPrefix("/") || baseDirectory.isEmpty { return path }
        return (baseDirectory as NSString).appendingPathComponent(path)
    }

    mutating func checkIdentifier(_ id: String, at location: String, unique: inout Set<String>) {
        let allowed = CharacterSet.lowercaseLetters.union(.decimalDigits).union(CharacterSet(charactersIn: "-_"))
        if id.isEmpty || id.unicodeScalars.contains(where: { !allowed.contains($0) || !$0.isASCII }) {
            report(location, "'\(id)' must be lower-case ASCII letters, digits, '-' or '_'")
        }
        if !unique.insert(id).inserted { report(location, "'\(id)' is used twice") }
    }

    mutating func checkPosition(latitude: Double, longitude: Double, at location: String) {
        if !(-90...90).contains(latitude) { report("\(location).latitude", "must be between -90 and 90") }
        if !(-180...180).contains(longitude) { report("\(location).longitude", "must be between -180 and 180") }
    }
}

package extension DaemonConfiguration {
    /// Opens (or creates) the data directory's store, as the daemon, a replay and the tests use it.
    /// Messages set aside by ingest (the poison-message quarantine).
    var quarantinePath: String { (dataDirectory as NSString).appendingPathComponent("quarantine.sqlite") }
    /// The burst ingest has in hand, for the next start to know after a crash.
    var inFlightMarkerPath: String { (dataDirectory as NSString).appendingPathComponent("ingest.inflight") }

    /// Creates the data directory if needed, locks it for this process, and checks that this process can
    /// write every file the daemon keeps there (a file left behind by a run as another user, root say, would
    /// otherwise open read-only and fail at the first write).
    func lockDataDirectory() throws -> DirectoryLock {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        let lock = try DirectoryLock(directory: dataDirectory)
        for path in [databasePath, alertJournalPath, quarantinePath, inFlightMarkerPath, alerts.logPath]
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

    func openStore() throws -> SeriesStore {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        return try SeriesStore(
            configuration: SeriesStoreConfiguration(path: databasePath, durability: durability, layout: seriesLayout))
    }

    /// Opens (or creates) the alert journal and log with this configuration's rules.
    func openAlerts(logger: Logger) throws -> AlertCenter {
        try AlertCenter(
            policy: alertPolicy, journalPath: alertJournalPath, logPath: alerts.logPath,
            synchronousFull: durability == .full, subscriberBuffer: streamQueue, logger: logger)
    }
}
