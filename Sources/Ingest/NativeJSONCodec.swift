import FeedCore
import Foundation

/// A reading as a payload states it, before the sensor's bounds and the clock are checked.
public struct DecodedReading: Sendable, Hashable {
    public var metric: Metric
    /// `nil` when the payload carried no time: the receive time is used.
    public var time: Timestamp?
    public var value: Double

    public init(metric: Metric, time: Timestamp?, value: Double) {
        self.metric = metric
        self.time = time
        self.value = value
    }
}

/// The daemon's own JSON format (DESIGN §2): one object, or an array of objects, each with an optional `ts`
/// (RFC 3339 text, or Unix seconds; values above 10^11 are taken as milliseconds) and one or more metric
/// fields. `state` carries an outfall's `discharging` / `stopped` / `offline`. Fields the daemon does not know
/// (battery, rssi, …) are ignored; a known field of the wrong type rejects the object.
public enum NativeJSONCodec {
    /// Decodes `payload`; throws a `Rejection` for the message as a whole. Per-object problems inside an array
    /// come back in `rejected` so the other objects still count.
    public static func decode(_ payload: [UInt8]) throws(Rejection) -> (readings: [DecodedReading], rejected: [Rejection]) {
        let document: JSONValue
        do {
            document = try JSONDecoder().decode(JSONValue.self, from: Data(payload))
        } catch {
            throw Rejection(.malformedJSON, "not valid JSON")
        }
        switch document {
        case .object(let fields):
            return (try readings(in: fields), [])
        case .array(let items):
            guard !items.isEmpty else { throw Rejection(.noReadings, "empty array") }
            var all: [DecodedReading] = []
            var rejected: [Rejection] = []
            for (index, item) in items.enumerated() {
                guard case .object(let fields) = item else {
                    rejected.append(Rejection(.wrongType, "item \(index) is \(item.typeName), expected an object"))
                    continue
                }
                do {
                    all += try readings(in: fields)
                } catch {
                    rejected.append(Rejection(error.reason, "item \(index): \(error.detail)"))
                }
            }
            return (all, rejected)
        default:
            throw Rejection(.wrongType, "payload is \(document.typeName), expected an object or an array")
        }
    }

    static let fieldMetrics: [String: Metric] = [
        "occupied": .occupied, "free": .free, "entries": .entries, "exits": .exits,
        "ecoli": .ecoli, "e_coli": .ecoli, "enterococci": .enterococci,
        "turbidity": .turbidity, "salinity": .salinity, "temperature": .temperature,
        "rain_mm": .rainMillimetres,
    ]

    static func readings(in fields: [String: JSONValue]) throws(Rejection) -> [DecodedReading] {
        let time = try timestamp(fields["ts"] ?? fields["time"])
        var result: [DecodedReading] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            if name == "state" {
                guard case .string(let text) = value else {
                    throw Rejection(.wrongType, "state is \(value.typeName), expected a string")
                }
                guard let state = OverflowState(name: text) else {
                    throw Rejection(.invalidState, "state '\(text.prefix(40))' is not discharging, stopped or offline")
                }
                result.append(DecodedReading(metric: .overflowState, time: time, value: state.value))
                continue
            }
            guard let metric = fieldMetrics[name] else { continue }
            guard case .number(let number) = value else {
                throw Rejection(.wrongType, "\(name) is \(value.typeName), expected a number")
            }
            result.append(DecodedReading(metric: metric, time: time, value: number))
        }
        guard !result.isEmpty else {
            throw Rejection(.noReadings, "no known measurement field")
        }
        return result
    }

    static func timestamp(_ value: JSONValue?) throws(Rejection) -> Timestamp? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?:
            guard number.isFinite, number > 0 else { throw Rejection(.badTimestamp, "ts \(number) is not a time") }
            return number > 1e11 ? Timestamp(milliseconds: Int64(number)) : Timestamp(seconds: number)
        case .string(let text)?:
            guard let parsed = parseRFC3339(text) else {
                throw Rejection(.badTimestamp, "ts '\(text.prefix(40))' is not RFC 3339")
            }
            return parsed
        case let other?:
            throw Rejection(.wrongType, "ts is \(other.typeName), expected a string or a number")
        }
    }

    /// RFC 3339 with or without fractional seconds, `Z` or a numeric offset.
    public static func parseRFC3339(_ text: String) -> Timestamp? {
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            return Timestamp(date)
        }
        if let date = try? Date(text, strategy: Date.ISO8601FormatStyle()) {
            return Timestamp(date)
        }
        return nil
    }
}
