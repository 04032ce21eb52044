import FeedCore
import Foundation
import Synchronization

/// What became of one MQTT message.
public struct MessageOutcome: Sendable {
    /// The message's topic.
    public var topic: String
    /// The sensor the topic named, when a route matched.
    public var sensor: SensorID?
    /// The readings that passed every check.
    public var accepted: [Reading]
    /// What was refused, the whole message or parts of it, with reasons.
    public var rejected: [Rejection]
    /// The LoRaWAN uplink this message carried, if any.
    public var uplink: UplinkKey? = nil
    /// A LoRaWAN uplink already stored (a retransmission or a repeated delivery): its readings are dropped.
    public var isRepeat = false

    /// A message counts as accepted when at least one of its readings was, or when it repeats an uplink whose
    /// readings were accepted before.
    public var isAccepted: Bool { !accepted.isEmpty || isRepeat }

    /// Drops the readings of a repeated uplink.
    public mutating func markRepeat() {
        isRepeat = true
        accepted = []
    }
}

/// Turns raw MQTT messages into validated readings: route by topic, decode by the route's format, check each
/// reading against its sensor and the clock. Pure apart from the clock passed in; safe from any thread.
public struct IngestPipeline: Sendable {
    /// Topic patterns, tried in order.
    public let routes: [TopicRoute]
    /// What each configured sensor may report.
    public let sensors: [SensorID: SensorSpec]
    /// Names in topics (LoRaWAN device ids, DevEUIs) that stand for a configured sensor.
    public let aliases: [String: SensorID]
    /// Payload size, clock skew and age bounds.
    public let policy: IngestPolicy
    /// Topic → route index and sensor, so that a busy sensor's topic is matched once, not per message. Room for
    /// every configured sensor's topics twice over (a city of 16,000 sensors filled the old fixed 16,384 and
    /// would have matched every message afresh once larger).
    private let routeCache: RouteCache

    /// A pipeline for these routes and sensors.
    public init(
        routes: [TopicRoute], sensors: [SensorSpec], aliases: [String: SensorID] = [:],
        policy: IngestPolicy = IngestPolicy()
    ) {
        self.routes = routes
        self.sensors = Dictionary(sensors.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        self.aliases = aliases
        self.policy = policy
        routeCache = RouteCache(capacity: max(16_384, 2 * (sensors.count + aliases.count)))
    }

    /// The subscription filters that cover every route, without duplicates.
    public var subscriptionFilters: [String] {
        var seen = Set<String>()
        return routes.map(\.subscriptionFilter).filter { seen.insert($0).inserted }
    }

    /// Routes, decodes and checks one message: its accepted readings, or the reason it was rejected.
    public func process(_ message: InboundMessage) -> MessageOutcome {
        var outcome = MessageOutcome(topic: message.topic, sensor: nil, accepted: [], rejected: [])
        do throws(Rejection) {
            let (route, sensorID) = try self.route(message.topic)
            outcome.sensor = sensorID
            guard let sensor = sensors[sensorID] else {
                throw Rejection(.unknownSensor, "sensor '\(sensorID.rawValue.prefix(64))' is not configured")
            }
            guard message.payload.count <= policy.maxPayloadBytes else {
                throw Rejection(
                    .payloadTooLarge, "\(message.payload.count) bytes, the limit is \(policy.maxPayloadBytes)")
            }
            guard !message.payload.isEmpty else { throw Rejection(.emptyPayload, "no payload") }
            let decoded = try decode(message.payload, route: route, received: message.received)
            outcome.rejected += decoded.rejected
            outcome.uplink = decoded.uplink.map { UplinkKey(sensor: sensor.id, identity: $0) }
            for reading in decoded.readings {
                do throws(Rejection) {
                    outcome.accepted.append(try validate(reading, sensor: sensor, received: message.received))
                } catch {
                    outcome.rejected.append(error)
                }
            }
        } catch {
            outcome.rejected.append(error)
        }
        for index in outcome.rejected.indices where outcome.rejected[index].sensor == nil {
            outcome.rejected[index].sensor = outcome.sensor
        }
        return outcome
    }

    /// Checks one reading from an archive as a message's would be: the sensor (an id or an alias), its
    /// metrics, the value, and the time against `received` (a replay passes the reading's own time: the clock
    /// follows the data).
    public func accept(_ record: ArchiveRecord, received: Timestamp) throws(Rejection) -> Reading {
        let id = aliases[record.sensor] ?? SensorID(record.sensor)
        guard let sensor = sensors[id] else {
            throw Rejection(.unknownSensor, "sensor '\(record.sensor.prefix(64))' is not configured")
        }
        do throws(Rejection) {
            return try validate(
                DecodedReading(metric: record.metric, time: record.time, value: record.value), sensor: sensor,
                received: received)
        } catch {
            var rejection = error
            rejection.sensor = id
            throw rejection
        }
    }

    func route(_ topic: String) throws(Rejection) -> (TopicRoute, SensorID) {
        if let (index, sensor) = routeCache[topic] { return (routes[index], sensor) }
        for (index, route) in routes.enumerated() {
            if let match = route.match(topic) {
                let sensor = aliases[match.rawValue] ?? match
                routeCache[topic] = (index, sensor)
                return (route, sensor)
            }
        }
        throw Rejection(.unknownTopic, "no route matches '\(topic.prefix(128))'")
    }

    func decode(_ payload: [UInt8], route: TopicRoute, received: Timestamp) throws(Rejection) -> DecodedPayload {
        switch route.format {
        case .json:
            return try NativeJSONCodec.decode(payload)
        case .senml:
            return try SenMLCodec.decode(payload, now: received)
        case .ttn:
            return try TheThingsStackCodec.decode(payload)
        case .chirpstack:
            return try ChirpStackCodec.decode(payload)
        case .number:
            let text = String(decoding: payload, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard let value = Double(text) else {
                throw Rejection(.notANumber, "'\(text.prefix(40))' is not a number")
            }
            // A route that accepts numbers always names its metric (checked when the route is made).
            return DecodedPayload(readings: [DecodedReading(metric: route.metric ?? .occupied, time: nil, value: value)]
            )
        }
    }

    func validate(_ decoded: DecodedReading, sensor: SensorSpec, received: Timestamp) throws(Rejection) -> Reading {
        let metric = decoded.metric
        guard sensor.metrics.contains(metric) else {
            throw Rejection(.metricNotAllowed, "\(sensor.id) does not report \(metric.rawValue)")
        }
        let value = decoded.value
        guard value.isFinite else { throw Rejection(.nonFiniteValue, "\(metric.rawValue) is \(value)") }
        guard abs(value) <= Reading.largestValue else {
            throw Rejection(.aboveMaximum, "\(metric.rawValue) \(value) is beyond ±\(Reading.largestValue)")
        }
        if metric.isCount && value < 0 {
            throw Rejection(.negativeCount, "\(metric.rawValue) is \(value)")
        }
        if let maximum = sensor.maximum[metric], value > maximum {
            throw Rejection(.aboveMaximum, "\(metric.rawValue) \(value) exceeds \(maximum)")
        }
        if metric == .overflowState && OverflowState(value: value) == nil {
            throw Rejection(.invalidState, "overflow state \(value) is not 0, 1 or 2")
        }
        let time = decoded.time ?? received
        if time.seconds(since: received) > policy.maxFutureSkewSeconds {
            throw Rejection(.futureTimestamp, "\(time.iso8601) is ahead of the receive time \(received.iso8601)")
        }
        if received.seconds(since: time) > policy.maxAgeSeconds {
            throw Rejection(.tooOld, "\(time.iso8601) is older than the retention")
        }
        return Reading(sensor: sensor.id, metric: metric, time: time, value: value, received: received)
    }
}

/// Remembers which route matched a topic. Bounded: topics come from outside, so the cache starts afresh
/// once it holds `capacity` of them rather than growing with whatever a misbehaving client sends.
final class RouteCache: Sendable {
    private let entries = Mutex([String: (route: Int, sensor: SensorID)]())
    private let capacity: Int

    init(capacity: Int = 16_384) {
        self.capacity = capacity
    }

    subscript(topic: String) -> (route: Int, sensor: SensorID)? {
        get { entries.withLock { $0[topic] } }
        set {
            entries.withLock { entries in
                if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
                entries[topic] = newValue
            }
        }
    }
}
