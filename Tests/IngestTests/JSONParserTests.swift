import FeedCore
import Testing

@testable import Ingest

@Suite struct JSONParserTests {
    func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    @Test(arguments: [
        ("0", JSONValue.number(0)), ("-0", .number(0)), ("341", .number(341)), ("-12.5", .number(-12.5)),
        ("1e3", .number(1000)), ("2.5E-1", .number(0.25)), ("1784030580123", .number(1_784_030_580_123)),
        ("9007199254740993", .number(9_007_199_254_740_993)), ("true", .bool(true)), ("false", .bool(false)),
        ("null", .null), (#""a\"b\\c\/d\n""#, .string("a\"b\\c/d\n")), (#""\u00e9\u20AC""#, .string("é€")),
        (#""\ud83c\udf0a""#, .string("🌊")), ("\"Côte des Basques\"", .string("Côte des Basques")),
        (" [1, [2], {}] ", .array([.number(1), .array([.number(2)]), .object([:])])),
        (
            #"{"a": {"b": [true, null]}, "c": "d"}"#,
            .object(["a": .object(["b": .array([.bool(true), .null])]), "c": .string("d")])
        ),
    ])
    func parsesValidJSON(text: String, expected: JSONValue) throws {
        #expect(try parse(text) == expected)
    }

    @Test(arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "[1 2]", "01", "-", "1.", ".5", "1e", "+1",
        "NaN", "Infinity", "-Infinity", "1e400", "tru", "nul", "\"abc", "\"a\u{01}b\"", "\"\\x\"", "\"\\u12\"",
        "\"\\ud83c\"", "\"\\udf0a\"", "{}}", "[] []", "'a'",
    ])
    func refusesInvalidJSON(text: String) {
        #expect(throws: JSONParser.Failure.self) { try parse(text) }
    }

    @Test func refusesInvalidUTF8() {
        #expect(throws: JSONParser.Failure.self) { try JSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test func limitsNesting() throws {
        let deep = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        #expect(throws: JSONParser.Failure.self) { try parse(deep) }
        let fine =
            String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        _ = try parse(fine)
    }

    @Test func refusesADuplicateKeyAndNamesIt() throws {
        #expect(throws: JSONParser.Failure.self) { try parse(#"{"a":1,"a":2}"#) }
        do throws(JSONParser.Failure) {
            _ = try JSONParser.parse(Array(#"{"value": 12, "nested": {"x": 1, "x": 1}}"#.utf8))
            Issue.record("a repeated key was accepted")
        } catch {
            #expect(error.duplicateKey == "x")
        }
        // The same name at different levels is not a duplicate.
        #expect(try parse(#"{"a": {"a": 1}}"#) == .object(["a": .object(["a": .number(1)])]))
    }

    @Test func aDuplicateKeyIsRejectedUnderItsOwnReason() {
        #expect(throws: Rejection.self) { try JSONValue.parse(Array(#"{"value": 3, "value": 4}"#.utf8)) }
        do throws(Rejection) {
            _ = try JSONValue.parse(Array(#"{"value": 3, "value": 4}"#.utf8))
        } catch {
            #expect(error.reason == .duplicateKey)
        }
    }
}
