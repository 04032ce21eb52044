import FeedCore
import Foundation

/// `[mqtt]` as written in the configuration file.
public struct MQTTSection: Decodable, Sendable {
    /// `[mqtt.tls]`: files for TLS; paths relative to the configuration file.
    public struct TLS: Decodable, Sendable {
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

    var broker: String?
    var clientID: String?
    var username: String?
    /// The password in the file itself; `password_file` keeps it out of a file that is often shared.
    var password: String?
    /// A file whose first line is the password: keeps secrets out of the config and the command line.
    var passwordFile: String?
    var maxBurst: Int?
    var tls: TLS?
    /// Where the instances of a pair share operators' writes.
    var operatorTopic: String?

    enum CodingKeys: String, CodingKey {
        case broker, username, password, tls
        case clientID = "client_id"
        case passwordFile = "password_file"
        case maxBurst = "max_burst"
        case operatorTopic = "operator_topic"
    }
}

/// The MQTT session's settings, checked. Only a restart applies a change to them (the session is the broker's).
public struct MQTTSettings: Sendable, Equatable {
    /// Where the broker listens.
    public var broker: BrokerAddress
    /// Fixed per daemon instance: the broker keeps this client's session across restarts.
    public var clientID: String
    /// Credentials, when the broker asks for them.
    public var username: String?
    /// (Read from `password_file` when given there.)
    public var password: String?
    /// `nil` for a plain TCP connection.
    public var tls: TLSSettings?
    /// The most messages committed and acknowledged together.
    public var maxBurst: Int
    /// The topic on which each instance of a pair publishes the operators' writes it takes and reads the other's
    /// (docs/operations-at-scale.md); `nil`: writes stay with the instance that took them.
    public var operatorTopic: String?

    /// Checks `section` (absent: every default). `brokerOverride` is `--broker` or `CITYFEEDS_BROKER`;
    /// `clientIDOverride` is `--client-id` or `CITYFEEDS_CLIENT_ID` (each instance of a pair has its own session).
    public init(
        _ section: MQTTSection?, brokerOverride: String?, clientIDOverride: String? = nil, defaultClientID: String,
        report: inout ConfigurationReport
    ) {
        let brokerText = brokerOverride ?? section?.broker ?? "mqtt://127.0.0.1:1883"
        broker = BrokerAddress(host: "127.0.0.1", port: 1883)
        do throws(BrokerAddressError) {
            broker = try BrokerAddress(parsing: brokerText)
        } catch {
            report.error(brokerOverride != nil ? "--broker" : "mqtt.broker", error.description)
        }
        clientID = clientIDOverride ?? section?.clientID ?? defaultClientID
        if clientID.isEmpty || clientID.utf8.count > 65_535 || clientID.contains(where: { $0.isNewline }) {
            report.error(clientIDOverride != nil ? "--client-id" : "mqtt.client_id", "'\(clientID)' is not a client id")
        }
        username = section?.username
        password = section?.password
        if password != nil && section?.passwordFile != nil {
            report.error("mqtt.password", "give either password or password_file, not both")
        }
        if let file = section?.passwordFile {
            password = report.readSecret(file, at: "mqtt.password_file")
        }
        if let file = section?.tls {
            let settings = TLSSettings(
                caFile: file.caFile.map(report.resolve), caDirectory: file.caDirectory.map(report.resolve),
                certificateFile: file.certFile.map(report.resolve), keyFile: file.keyFile.map(report.resolve))
            for (key, path) in [
                ("ca_file", settings.caFile), ("cert_file", settings.certificateFile), ("key_file", settings.keyFile),
            ] {
                if let path, !FileManager.default.isReadableFile(atPath: path) {
                    report.error("mqtt.tls.\(key)", "cannot read '\(path)'")
                }
            }
            if (settings.certificateFile == nil) != (settings.keyFile == nil) {
                report.error("mqtt.tls", "cert_file and key_file go together")
            }
            tls = settings
        } else if broker.usesTLS {
            tls = TLSSettings()  // the system's CA certificates
        }
        if tls != nil && !broker.usesTLS {
            report.error("mqtt.broker", "[mqtt.tls] is set but the broker URL is not mqtts://")
        }
        maxBurst = section?.maxBurst ?? 1_000
        if !(1...100_000).contains(maxBurst) { report.error("mqtt.max_burst", "must be between 1 and 100000") }
        if let topic = section?.operatorTopic, !topic.isEmpty {
            // One exact topic: the broker's ACL can then give the daemons alone the right to write it.
            if topic.contains(where: { "+#".contains($0) || $0.isNewline || $0 == "\0" }) || topic.utf8.count > 256 {
                report.error("mqtt.operator_topic", "'\(topic.prefix(64))' must be one topic, without wildcards")
            }
            operatorTopic = topic
        }
    }
}

/// `[ingest]` as written in the configuration file.
public struct IngestSection: Decodable, Sendable {
    /// One `[[ingest.routes]]` table: a topic pattern and how its payloads read.
    public struct Route: Decodable, Sendable {
        var pattern: String
        var format: PayloadFormat?
        var metric: Metric?
        var sensor: String?
    }

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

/// What ingest accepts and where it finds it, checked.
public struct IngestSettings: Sendable, Equatable {
    /// Payload size, clock skew and age bounds.
    public var policy: IngestPolicy
    /// Topic patterns and how their payloads read, in the file's order.
    public var routes: [TopicRoute]
    /// Topic names → configured sensor ids.
    public var aliases: [String: SensorID]

    /// Routes used when the file names none: the simulator's topics.
    public static let defaultRoutes = [
        "cityfeeds/parking/{sensor}/occupancy", "cityfeeds/beach/{sensor}/sample", "cityfeeds/sewer/{sensor}/state",
        "cityfeeds/rain/{sensor}/rain",
    ]

    /// Checks `section` (absent: every default). Aliases must name sensors the rest of the file configured
    /// (`report.sensorOwners`), so this section is checked after those.
    public init(_ section: IngestSection?, report: inout ConfigurationReport) {
        policy = IngestPolicy()
        if let bytes = section?.maxPayloadBytes {
            if bytes < 16 || bytes > 16_777_216 {
                report.error("ingest.max_payload_bytes", "must be between 16 and 16777216")
            }
            policy.maxPayloadBytes = bytes
        }
        if let skew = section?.maxFutureSkewSeconds?.value {
            if skew < 0 { report.error("ingest.max_future_skew_seconds", "must not be negative") }
            policy.maxFutureSkewSeconds = skew
        }
        if let days = section?.maxAgeDays?.value {
            if days <= 0 { report.error("ingest.max_age_days", "must be positive") }
            policy.maxAgeSeconds = days * 86_400
        }
        routes = []
        let given = section?.routes ?? Self.defaultRoutes.map { IngestSection.Route(pattern: $0) }
        for (index, route) in given.enumerated() {
            do throws(TopicRouteError) {
                routes.append(
                    try TopicRoute(
                        pattern: route.pattern, format: route.format ?? .json, metric: route.metric,
                        sensor: route.sensor.map { SensorID($0) }))
            } catch {
                report.error("ingest.routes[\(index)]", error.description)
            }
        }
        aliases = [:]
        for (name, sensor) in (section?.aliases ?? [:]).sorted(by: { $0.key < $1.key }) {
            if report.sensorOwners[SensorID(sensor)] == nil {
                report.error("ingest.aliases.\(name)", "no sensor has the id '\(sensor)'")
            }
            aliases[name] = SensorID(sensor)
        }
    }
}
