import FeedCore

/// Why a message, or one reading in it, was not accepted. The raw values appear in the API, metrics and logs.
public enum RejectionReason: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case payloadTooLarge = "payload_too_large"
    case emptyPayload = "empty_payload"
    case malformedJSON = "malformed_json"
    case duplicateKey = "duplicate_key"
    case notANumber = "not_a_number"
    case wrongType = "wrong_type"
    case noReadings = "no_readings"
    case unknownMetric = "unknown_metric"
    case unsupported = "unsupported"
    case unknownTopic = "unknown_topic"
    case unknownSensor = "unknown_sensor"
    case metricNotAllowed = "metric_not_allowed"
    case nonFiniteValue = "non_finite_value"
    case negativeCount = "negative_count"
    case aboveMaximum = "above_maximum"
    case invalidState = "invalid_state"
    case badTimestamp = "bad_timestamp"
    case futureTimestamp = "future_timestamp"
    case tooOld = "too_old"

    public static func < (lhs: RejectionReason, rhs: RejectionReason) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A rejection with the detail an operator needs to fix the sender.
public struct Rejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// Why, as a stable code (counted, and named in `/v1/ingest`).
    public var reason: RejectionReason
    /// Why, in words.
    public var detail: String
    /// The sensor, when known.
    public var sensor: SensorID?

    /// A refusal for `reason`.
    public init(_ reason: RejectionReason, _ detail: String, sensor: SensorID? = nil) {
        self.reason = reason
        self.detail = detail
        self.sensor = sensor
    }

    public var description: String { "\(reason.rawValue): \(detail)" }
}
