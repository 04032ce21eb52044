import FeedCore

/// One SenML record after resolution (RFC 8428 §4.6): base name, time and value applied.
public struct SenMLRecord: Sendable, Equatable {
    /// A SenML record's value: a number, or a boolean for a state.
    public enum Value: Sendable, Equatable {
        case number(Double)
        case bool(Bool)
        case string(String)
        case data(String)
        /// Only a sum (`s`) was given.
        case sum(Double)
    }

    /// The record's full name (base name and name joined).
    public var name: String
    /// Its unit, when given.
    public var unit: String?
    /// Its time (base time and time added).
    public var time: Timestamp
    /// Its value.
    public var value: Value
}

/// SenML in JSON (RFC 8428): a pack is an array of records; base fields (`bn`, `bt`, `bu`, `bv`, `bs`,
/// `bver`) apply to their record and the ones after it. Names are `bn` + `n`; times `bt` + `t`, and a result
/// below 2^28 is relative to now; values `bv` + `v`, or `vb`, `vs`, `vd`. A field whose name ends in `_` that
/// the daemon does not understand rejects the whole pack (the RFC's must-understand rule), as does a `bver`
/// above 10.
///
/// Readings: the metric is the last part of the name (after the last `:` or `/`), with the same field names as
/// native JSON (`occupied`, `ecoli`, `state`, …); a record named only by its device with unit `Cel` is a
/// temperature.
public enum SenMLCodec {
    /// The highest SenML version this decoder understands.
    static let supportedVersion = 10.0
    static let knownFields: Set<String> = [
        "bn", "bt", "bu", "bv", "bs", "bver", "n", "u", "v", "vs", "vb", "vd", "s", "t", "ut",
    ]

    /// The readings of one SenML pack; records without a time are taken at `now`.
    public static func decode(_ payload: [UInt8], now: Timestamp) throws(Rejection) -> DecodedPayload {
        var result = DecodedPayload(readings: [])
        for (index, record) in try resolve(payload, now: now).enumerated() {
            do throws(Rejection) {
                result.readings.append(try reading(from: record))
            } catch {
                result.rejected.append(
                    Rejection(error.reason, "record \(index) '\(record.name.prefix(64))': \(error.detail)"))
            }
        }
        if result.readings.isEmpty && result.rejected.isEmpty {
            throw Rejection(.noReadings, "empty SenML pack")
        }
        return result
    }

    /// Resolves a pack into records, applying every RFC 8428 rule that makes a pack invalid as a whole.
    public static func resolve(_ payload: [UInt8], now: Timestamp) throws(Rejection) -> [SenMLRecord] {
        guard case .array(let items) = try JSONValue.parse(payload) else {
            throw Rejection(.wrongType, "a SenML pack is a JSON array")
        }
        var baseName = ""
        var baseTime = 0.0
        var baseUnit: String?
        var baseValue: Double?
        var baseSum: Double?
        var records: [SenMLRecord] = []
        for (index, item) in items.enumerated() {
            guard let fields = item.objectFields else {
                throw Rejection(.wrongType, "record \(index) is \(item.typeName), expected an object")
            }
            for name in fields.keys where !knownFields.contains(name) && name.hasSuffix("_") {
                throw Rejection(.unsupported, "record \(index) has must-understand field '\(name.prefix(40))'")
            }
            if let version = fields["bver"] {
                guard let number = version.numberValue else { throw Rejection(.wrongType, "bver is not a number") }
                guard number <= supportedVersion else {
                    throw Rejection(.unsupported, "SenML version \(number) is newer than \(Int(supportedVersion))")
                }
            }
            if let value = fields["bn"] { baseName = try string(value, "bn", index) }
            if let value = fields["bt"] { baseTime = try number(value, "bt", index) }
            if let value = fields["bu"] { baseUnit = try string(value, "bu", index) }
            if let value = fields["bv"] { baseValue = try number(value, "bv", index) }
            if let value = fields["bs"] { baseSum = try number(value, "bs", index) }

            var name = baseName
            if let value = fields["n"] { name += try string(value, "n", index) }
            guard isValidName(name) else {
                throw Rejection(.wrongType, "record \(index) has the invalid name '\(name.prefix(64))'")
            }
            var time = baseTime
            if let value = fields["t"] { time += try number(value, "t", index) }
            if time < 268_435_456 { time += now.seconds }
            var unit = baseUnit
            if let value = fields["u"] { unit = try string(value, "u", index) }

            let value: SenMLRecord.Value
            let valueFields = ["v", "vs", "vb", "vd"].filter { fields[$0] != nil }
            guard valueFields.count <= 1 else {
                throw Rejection(
                    .wrongType, "record \(index) has more than one value (\(valueFields.joined(separator: ", ")))")
            }
            switch valueFields.first {
            case "v":
                value = .number((baseValue ?? 0) + (try number(fields["v"]!, "v", index)))
            case "vs":
                value = .string(try string(fields["vs"]!, "vs", index))
            case "vd":
                value = .data(try string(fields["vd"]!, "vd", index))
            case "vb":
                guard case .bool(let flag) = fields["vb"]! else {
                    throw Rejection(.wrongType, "record \(index): vb is not a boolean")
                }
                value = .bool(flag)
            default:
                if let sum = fields["s"] {
                    value = .sum((baseSum ?? 0) + (try number(sum, "s", index)))
                } else if let baseValue {
                    value = .number(baseValue)
                } else {
                    // A record that only sets base fields carries no measurement.
                    continue
                }
            }
            // Base and relative fields add up: each is finite, their sum need not be, nor fit a time.
            guard let observed = Timestamp(validatingSeconds: time) else {
                throw Rejection(.badTimestamp, "record \(index): time \(time) s is not a time between years 1 and 9999")
            }
            switch value {
            case .number(let number), .sum(let number):
                guard number.isFinite else {
                    throw Rejection(.nonFiniteValue, "record \(index): the base and the value add up to \(number)")
                }
            case .string, .data, .bool:
                break
            }
            records.append(SenMLRecord(name: name, unit: unit, time: observed, value: value))
        }
        return records
    }

    /// RFC 8428 §4.5.1: names start with a letter or digit and use only letters, digits and `:./-_`.
    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCII,
            first.properties.isAlphabetic || ("0"..."9").contains(first)
        else { return false }
        return name.unicodeScalars.allSatisfy {
            $0.isASCII
                && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ":./-_".unicodeScalars.contains($0))
        }
    }

    static func reading(from record: SenMLRecord) throws(Rejection) -> DecodedReading {
        let field = record.name.split(whereSeparator: { $0 == ":" || $0 == "/" }).last.map(String.init) ?? record.name
        let json: JSONValue
        switch record.value {
        case .number(let number), .sum(let number): json = .number(number)
        case .bool(let flag): json = .bool(flag)
        case .string(let text): json = .string(text)
        case .data: throw Rejection(.wrongType, "data values (vd) carry no measurement")
        }
        if let reading = try FieldMapper.reading(name: field, value: json, time: record.time) {
            return reading
        }
        if record.unit == "Cel", case .number(let celsius) = json {
            return DecodedReading(metric: .temperature, time: record.time, value: celsius)
        }
        throw Rejection(.unknownMetric, "no metric called '\(field.prefix(40))'")
    }

    static func string(_ value: JSONValue, _ field: String, _ index: Int) throws(Rejection) -> String {
        guard let text = value.stringValue else {
            throw Rejection(.wrongType, "record \(index): \(field) is \(value.typeName), expected a string")
        }
        return text
    }

    static func number(_ value: JSONValue, _ field: String, _ index: Int) throws(Rejection) -> Double {
        guard let number = value.numberValue else {
            throw Rejection(.wrongType, "record \(index): \(field) is \(value.typeName), expected a number")
        }
        return number
    }
}
