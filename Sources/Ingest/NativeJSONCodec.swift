import FeedCore
import Foundation

/// A reading as a payload states it, before the sensor's bounds and the clock are checked.
public struct DecodedReading: Sendable, Hashable {
    /// What the payload says was observed.
    public var metric: Metric
    /// `nil` when the payload carried no time: the receive time is used.
    public var time: Timestamp?
    /// The value, in the metric's unit.
    public var value: Double

    /// A reading as decoded.
    public init(metric: Metric, time: Timestamp?, value: Double) {
        self.metric = metric
        self.time = time
        self.value = value
    }
}

/// What a codec found in one message.
public struct DecodedPayload: Sendable {
    /// The readings the message states.
    public var readings: [DecodedReading]
    /// Problems with parts of the message (one item of a batch, one SenML record); the rest still counts.
    public var rejected: [Rejection] = []
    /// A LoRaWAN uplink's identity, for dropping retransmissions and repeated deliveries.
    public var uplink: UplinkIdentity? = nil

    /// What a codec found.
    public init(readings: [DecodedReading], rejected: [Rejection] = [], uplink: UplinkIdentity? = nil) {
        self.readings = readings
        self.rejected = rejected
        self.uplink = uplink
    }
}

/// The daemon's own JSON format: one object, or an array of objects, each with an optional `ts`
/// (RFC 3339 text, or Unix seconds; values above 10^11 are taken as milliseconds) and one or more measurement
/// fields (see `FieldMapper`). A known field of the wrong type rejects its object; other objects in the
/// array still count.
public enum NativeJSONCodec {
    /// The readings of one message, or why it was rejected.
    public static func decode(_ payload: [UInt8]) throws(Rejection) -> DecodedPayload {
        let document = try JSONValue.parse(payload)
        switch document {
        case .object(let fields):
            return DecodedPayload(readings: try readings(in: fields))
        case .array(let items):
            guard !items.isEmpty else { throw Rejection(.noReadings, "empty array") }
            var result = DecodedPayload(readings: [])
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item else {
                    result.rejected.append(
                        Rejection(.wrongType, "item \(index) is \(item.typeName), expected an object"))
                    continue
                }
                do throws(Rejection) {
                    result.readings += try readings(in: fields)
                } catch {
                    result.rejected.append(Rejection(error.reason, "item \(index): \(error.detail)"))
                }
            }
            return result
        default:
            throw Rejection(.wrongType, "payload is \(document.typeName), expected an object or an array")
        }
    }

    static func readings(in fields: [String: JSONValue]) throws(Rejection) -> [DecodedReading] {
        let time = try FieldMapper.timestamp(fields["ts"] ?? fields["time"])
        return try FieldMapper.readings(in: fields, time: time)
    }
}
