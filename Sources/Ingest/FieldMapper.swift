import FeedCore

/// Maps a payload's named fields to readings. Shared by every codec, so that `"occupied": 341` means the same
/// in native JSON, a Things Stack `decoded_payload`, a ChirpStack `object` and a SenML record named
/// `…:occupied`.
///
/// Fields it does not know (battery, rssi, …) are ignored; a known field of the wrong type is an error.
enum FieldMapper {
    static let numericFields: [String: Metric] = [
        "occupied": .occupied, "free": .free, "entries": .entries, "exits": .exits,
        "entries_total": .entriesTotal, "exits_total": .exitsTotal,
        "ecoli": .ecoli, "e_coli": .ecoli, "enterococci": .enterococci,
        "turbidity": .turbidity, "salinity": .salinity, "temperature": .temperature,
        "rain_mm": .rainMillimetres, "rain": .rainMillimetres,
    ]

    /// Fields in which per-space detectors report their state.
    static let spaceStateFields: Set<String> = ["occupancy", "parking_slot_status", "parkingSlotStatus", "status"]

    /// Whether `name` is a field this mapper turns into a reading.
    static func isKnown(_ name: String) -> Bool {
        numericFields[name] != nil || spaceStateFields.contains(name) || name == "state"
    }

    /// The reading a field carries, `nil` for fields the daemon does not know.
    static func reading(name: String, value: JSONValue, time: Timestamp?) throws(Rejection) -> DecodedReading? {
        if name == "state" {
            guard case .string(let text) = value else {
                throw Rejection(.wrongType, "state is \(value.typeName), expected a string")
            }
            guard let state = OverflowState(name: text) else {
                throw Rejection(.invalidState, "state '\(text.prefix(40))' is not discharging, stopped or offline")
            }
            return DecodedReading(metric: .overflowState, time: time, value: state.value)
        }
        if spaceStateFields.contains(name) || (name == "occupied" && value.isBool) {
            return DecodedReading(metric: .spaceOccupied, time: time, value: try spaceState(name, value).value)
        }
        guard let metric = numericFields[name] else { return nil }
        guard case .number(let number) = value else {
            throw Rejection(.wrongType, "\(name) is \(value.typeName), expected a number")
        }
        return DecodedReading(metric: metric, time: time, value: number)
    }

    /// Every reading in an object's fields; `time` applies to all of them.
    static func readings(in fields: [String: JSONValue], time: Timestamp?) throws(Rejection) -> [DecodedReading] {
        var result: [DecodedReading] = []
        for (name, value) in fields.sorted(by: { $0.key < $1.key }) {
            if let reading = try reading(name: name, value: value, time: time) {
                result.append(reading)
            }
        }
        guard !result.isEmpty else { throw Rejection(.noReadings, "no known measurement field") }
        return result
    }

    /// Normalises the many spellings of a parking space's state.
    static func spaceState(_ name: String, _ value: JSONValue) throws(Rejection) -> SpaceState {
        switch value {
        case .bool(let occupied):
            return occupied ? .occupied : .vacant
        case .number(let number):
            switch number {
            case 0: return .vacant
            case 1: return .occupied
            default: throw Rejection(.invalidState, "\(name) \(number) is neither 0 (free) nor 1 (occupied)")
            }
        case .string(let text):
            switch text.lowercased() {
            case "occupied", "busy", "taken", "1", "true": return .occupied
            case "vacant", "free", "empty", "available", "0", "false": return .vacant
            case "unknown", "error", "undefined", "calibrating": return .unknown
            default: throw Rejection(.invalidState, "\(name) '\(text.prefix(40))' is not a parking-space state")
            }
        default:
            throw Rejection(.wrongType, "\(name) is \(value.typeName), expected a state")
        }
    }

    /// A `ts` or `time` field: RFC 3339 text, or Unix seconds (values above 10^11 are milliseconds).
    static func timestamp(_ value: JSONValue?, field: String = "ts") throws(Rejection) -> Timestamp? {
        switch value {
        case nil, .null?: return nil
        case .number(let number)?:
            guard number.isFinite, number > 0, number < 1e15 else {
                throw Rejection(.badTimestamp, "\(field) \(number) is not a time")
            }
            return number > 1e11 ? Timestamp(milliseconds: Int64(number)) : Timestamp(seconds: number)
        case .string(let text)?:
            guard let parsed = Timestamp(rfc3339: text) else {
                throw Rejection(.badTimestamp, "\(field) '\(text.prefix(40))' is not RFC 3339")
            }
            return parsed
        case let other?:
            throw Rejection(.wrongType, "\(field) is \(other.typeName), expected a string or a number")
        }
    }
}

extension JSONValue {
    var isBool: Bool {
        if case .bool = self { return true }
        return false
    }

    subscript(key: String) -> JSONValue? {
        if case .object(let fields) = self { return fields[key] }
        return nil
    }

    var objectFields: [String: JSONValue]? {
        if case .object(let fields) = self { return fields }
        return nil
    }

    var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    var numberValue: Double? {
        if case .number(let number) = self { return number }
        return nil
    }

    /// Parses `payload` as JSON, or rejects it as malformed.
    static func parse(_ payload: [UInt8]) throws(Rejection) -> JSONValue {
        do throws(JSONParser.Failure) {
            return try JSONParser.parse(payload)
        } catch {
            if let key = error.duplicateKey {
                throw Rejection(.duplicateKey, "the field '\(key.prefix(40))' appears twice (at byte \(error.offset))")
            }
            throw Rejection(.malformedJSON, "not valid JSON: \(error.problem) at byte \(error.offset)")
        }
    }
}
