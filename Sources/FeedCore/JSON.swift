#if canImport(Glibc)
import Glibc
#endif

/// A parsed JSON document that keeps numbers, booleans and strings apart (a `[String: Any]` from
/// `JSONSerialization` blurs them on Linux).
public enum JSONValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// A short name of the value's type, for rejection messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// A strict RFC 8259 parser for everything that arrives from outside: sensor payloads and request bodies.
///
/// Decoding is the hot path of ingest: this parser reads the bytes once, without the thrown-and-
/// caught errors that a `Decodable` enum costs per value. It refuses what RFC 8259 refuses (trailing commas,
/// NaN, leading zeros, unescaped control characters, invalid UTF-8) and numbers that overflow a `Double`, and
/// limits nesting so that a hostile payload cannot exhaust the stack.
public struct JSONParser {
    /// Where the payload stops being JSON, and why.
    public struct Failure: Error {
        /// The byte offset in the payload where parsing stopped.
        public var offset: Int
        /// Why, in words.
        public var problem: String
        /// RFC 8259 leaves duplicate names to the implementation; taking the last would let a sender hide a
        /// value from whoever reads the payload first, so they are refused under their own reason.
        public var duplicateKey: String? = nil
    }

    /// The deepest nesting of arrays and objects accepted: deeper is refused rather than recursed into.
    public static let maxDepth = 32

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    /// Parses a whole payload; anything after the value, but whitespace, is an error.
    public static func parse(_ payload: [UInt8]) throws(Failure) -> JSONValue {
        let result: Result<JSONValue, Failure> = payload.withUnsafeBufferPointer { buffer in
            var parser = JSONParser(buffer)
            do throws(Failure) {
                parser.skipWhitespace()
                let value = try parser.value()
                parser.skipWhitespace()
                guard parser.position == buffer.count else { throw parser.failure("unexpected data after the value") }
                return .success(value)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    private func failure(_ problem: String) -> Failure {
        Failure(offset: position, problem: problem)
    }

    private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipWhitespace() {
        while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 {
            position += 1
        }
    }

    private mutating func expect(_ literal: StaticString) throws(Failure) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw failure("truncated literal") }
        for index in 0..<count where bytes[position + index] != literal.utf8Start[index] {
            throw failure("invalid literal")
        }
        position += count
    }

    private mutating func value() throws(Failure) -> JSONValue {
        guard let byte = current else { throw failure("unexpected end") }
        switch byte {
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expect("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expect("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(try number())
        default:
            throw failure("unexpected character")
        }
    }

    private mutating func enter() throws(Failure) {
        depth += 1
        guard depth <= Self.maxDepth else { throw failure("nested deeper than \(Self.maxDepth)") }
    }

    private mutating func object() throws(Failure) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var fields: [String: JSONValue] = [:]
        skipWhitespace()
        if current == UInt8(ascii: "}") {
            position += 1
            return .object(fields)
        }
        while true {
            skipWhitespace()
            guard current == UInt8(ascii: "\"") else { throw failure("expected a field name") }
            let key = try string()
            let keyOffset = position
            skipWhitespace()
            guard current == UInt8(ascii: ":") else { throw failure("expected ':'") }
            position += 1
            skipWhitespace()
            let parsed = try value()
            guard fields.updateValue(parsed, forKey: key) == nil else {
                throw Failure(offset: keyOffset, problem: "duplicate field name", duplicateKey: key)
            }
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "}"):
                position += 1
                return .object(fields)
            default: throw failure("expected ',' or '}'")
            }
        }
    }

    private mutating func array() throws(Failure) -> JSONValue {
        try enter()
        defer { depth -= 1 }
        position += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if current == UInt8(ascii: "]") {
            position += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            items.append(try value())
            skipWhitespace()
            switch current {
            case UInt8(ascii: ","): position += 1
            case UInt8(ascii: "]"):
                position += 1
                return .array(items)
            default: throw failure("expected ',' or ']'")
            }
        }
    }

    private mutating func string() throws(Failure) -> String {
        position += 1  // the opening quote
        let start = position
        // Fast path: no escapes.
        while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
            guard byte >= 0x20 else { throw failure("control character in a string") }
            position += 1
        }
        guard let stop = current else { throw failure("unterminated string") }
        var utf8 = Array(bytes[start..<position])
        if stop == UInt8(ascii: "\\") {
            while true {
                guard let byte = current else { throw failure("unterminated string") }
                position += 1
                switch byte {
                case UInt8(ascii: "\""):
                    return try validated(utf8)
                case UInt8(ascii: "\\"):
                    try escape(into: &utf8)
                default:
                    guard byte >= 0x20 else { throw failure("control character in a string") }
                    utf8.append(byte)
                }
            }
        }
        position += 1  // the closing quote
        return try validated(utf8)
    }

    private func validated(_ utf8: [UInt8]) throws(Failure) -> String {
        guard let text = String(validating: utf8, as: UTF8.self) else { throw failure("invalid UTF-8") }
        return text
    }

    private mutating func escape(into utf8: inout [UInt8]) throws(Failure) {
        guard let byte = current else { throw failure("unterminated escape") }
        position += 1
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(byte)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = try hex4()
            if (0xD800...0xDBFF).contains(scalar) {
                // A high surrogate must be followed by a low one.
                guard current == UInt8(ascii: "\\"), position + 1 < bytes.count,
                    bytes[position + 1] == UInt8(ascii: "u")
                else { throw failure("unpaired surrogate") }
                position += 2
                let low = try hex4()
                guard (0xDC00...0xDFFF).contains(low) else { throw failure("unpaired surrogate") }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if (0xDC00...0xDFFF).contains(scalar) {
                throw failure("unpaired surrogate")
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw failure("invalid code point") }
            utf8.append(contentsOf: Array(String(Character(unicode)).utf8))
        default:
            throw failure("invalid escape")
        }
    }

    private mutating func hex4() throws(Failure) -> UInt32 {
        guard position + 4 <= bytes.count else { throw failure("truncated \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw failure("invalid \\u escape")
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private mutating func number() throws(Failure) -> Double {
        let start = position
        if current == UInt8(ascii: "-") { position += 1 }
        guard let first = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else {
            throw failure("invalid number")
        }
        var integer: Int64 = 0
        var isSmallInteger = true
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(next) {
                throw failure("leading zero")
            }
        } else {
            while let digit = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) {
                if integer > 900_719_925_474_099 { isSmallInteger = false }  // beyond 2^53 / 10
                integer = isSmallInteger ? integer * 10 + Int64(digit - UInt8(ascii: "0")) : integer
                position += 1
            }
        }
        if current == UInt8(ascii: ".") {
            isSmallInteger = false
            position += 1
            guard let digit = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else {
                throw failure("invalid fraction")
            }
            while let digit = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) { position += 1 }
        }
        if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
            isSmallInteger = false
            position += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
            guard let digit = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) else {
                throw failure("invalid exponent")
            }
            while let digit = current, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(digit) { position += 1 }
        }
        if isSmallInteger {
            // Integers (counts, Unix times) are most of what sensors send: exact, without strtod.
            return bytes[start] == UInt8(ascii: "-") ? -Double(integer) : Double(integer)
        }
        // The slice is only ASCII digits, signs, '.' and 'e', so it converts exactly as written.
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw failure("number out of range") }
        return value
    }
}

extension JSONValue: Encodable {
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value):
            // Whole numbers as integers: `200`, not `200.0`.
            if value.rounded() == value, let whole = Int64(exactly: value) {
                try container.encode(whole)
            } else {
                try container.encode(value)
            }
        case .string(let value): try container.encode(value)
        case .array(let values): try container.encode(values)
        case .object(let fields): try container.encode(fields)
        }
    }
}
