import FeedCore

/// How a route's payloads are encoded.
public enum PayloadFormat: String, Sendable, Codable, CaseIterable {
    /// `{"ts": …, "occupied": 341}`, or an array of such objects.
    case json
    /// A bare number (`"341"`); the route names the metric.
    case number
    /// SenML JSON (RFC 8428).
    case senml
    /// The Things Stack v3 uplink messages.
    case ttn
    /// ChirpStack v4 uplink events.
    case chirpstack
}

/// Maps MQTT topics to sensors: a topic pattern whose `{sensor}` segment names the sensor, for example
/// `cityfeeds/parking/{sensor}/occupancy`. `+` matches any one segment and a final `#` any remainder.
public struct TopicRoute: Sendable, Hashable {
    /// One level of a topic pattern: a literal, `{sensor}`, `{metric}` or `+`.
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case sensor
        case anySegment
        case anyRemainder
    }

    /// The pattern as configured.
    public let pattern: String
    /// The pattern's levels.
    public let segments: [Segment]
    /// How its payloads read.
    public let format: PayloadFormat
    /// The metric of a bare-number payload.
    public let metric: Metric?
    /// The sensor when the pattern has no `{sensor}` segment.
    public let fixedSensor: SensorID?

    /// A route; throws when the pattern is not usable.
    public init(
        pattern: String, format: PayloadFormat = .json, metric: Metric? = nil, sensor: SensorID? = nil
    ) throws(TopicRouteError) {
        var segments: [Segment] = []
        let parts = pattern.split(separator: "/", omittingEmptySubsequences: false)
        for (index, part) in parts.enumerated() {
            switch part {
            case "{sensor}":
                guard !segments.contains(.sensor) else {
                    throw TopicRouteError(pattern: pattern, problem: "{sensor} appears twice")
                }
                segments.append(.sensor)
            case "+": segments.append(.anySegment)
            case "#":
                guard index == parts.count - 1 else {
                    throw TopicRouteError(pattern: pattern, problem: "# must be the last segment")
                }
                segments.append(.anyRemainder)
            default:
                guard !part.contains("+"), !part.contains("#"), !part.contains("{"), !part.contains("}") else {
                    throw TopicRouteError(pattern: pattern, problem: "segment '\(part)' mixes text and wildcards")
                }
                segments.append(.literal(String(part)))
            }
        }
        guard !pattern.isEmpty else { throw TopicRouteError(pattern: pattern, problem: "empty pattern") }
        guard segments.contains(.sensor) || sensor != nil else {
            throw TopicRouteError(pattern: pattern, problem: "needs a {sensor} segment or a fixed sensor")
        }
        guard format != .number || metric != nil else {
            throw TopicRouteError(pattern: pattern, problem: "a number route must name its metric")
        }
        self.pattern = pattern
        self.segments = segments
        self.format = format
        self.metric = metric
        self.fixedSensor = sensor
    }

    /// The MQTT subscription filter that covers this route.
    public var subscriptionFilter: String {
        segments.map { segment in
            switch segment {
            case .literal(let text): text
            case .sensor, .anySegment: "+"
            case .anyRemainder: "#"
            }
        }.joined(separator: "/")
    }

    /// The sensor a topic names under this route, or `nil` when the topic does not match.
    public func match(_ topic: String) -> SensorID? {
        let parts = topic.split(separator: "/", omittingEmptySubsequences: false)
        var sensor = fixedSensor
        for (index, segment) in segments.enumerated() {
            if case .anyRemainder = segment { return sensor }
            guard index < parts.count else { return nil }
            let part = parts[index]
            switch segment {
            case .literal(let text): if part != text { return nil }
            case .sensor:
                if part.isEmpty { return nil }
                sensor = SensorID(String(part))
            case .anySegment, .anyRemainder: break
            }
        }
        return parts.count == segments.count ? sensor : nil
    }
}

/// Why a topic pattern was refused.
public struct TopicRouteError: Error, CustomStringConvertible, Sendable {
    /// The pattern refused.
    public var pattern: String
    /// Why.
    public var problem: String
    public var description: String { "topic pattern '\(pattern)': \(problem)" }
}
