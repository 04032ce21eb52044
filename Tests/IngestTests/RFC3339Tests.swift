import FeedCore
import Foundation
import Testing

@testable import FeedCore

/// The digit-by-digit reading of sensors' usual time form must give exactly what Foundation's ISO 8601 parser
/// gives, and leave it everything else.
@Suite struct RFC3339Tests {
    static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    @Test func theFastPathGivesFoundationsAnswer() {
        var random = SeededGenerator(seed: 3_339)
        var fast = 0
        for _ in 0..<20_000 {
            // Mostly valid times, some of them not (day 31 of a short month, 29 February, hour 24, second 60).
            let year =
                Bool.random(using: &random)
                ? Int.random(in: 1..<10_000, using: &random) : Int.random(in: 1_970...2_100, using: &random)
            let month = Int.random(in: 1...12, using: &random)
            let day = Int.random(in: 1...31, using: &random)
            let hour = Int.random(in: 0...24, using: &random)
            let minute = Int.random(in: 0...59, using: &random)
            let second = Int.random(in: 0...60, using: &random)
            var text = "\(Self.pad(year, 4))-\(Self.pad(month, 2))-\(Self.pad(day, 2))T"
            text += "\(Self.pad(hour, 2)):\(Self.pad(minute, 2)):\(Self.pad(second, 2))"
            let fraction = Int.random(in: 0...12, using: &random)
            if fraction > 0 {
                text += "." + (0..<fraction).map { _ in String(Int.random(in: 0...9, using: &random)) }.joined()
            }
            if Bool.random(using: &random) {
                text += "Z"
            } else {
                let sign = Bool.random(using: &random) ? "+" : "-"
                text += "\(sign)\(Self.pad(Int.random(in: 0...14, using: &random), 2)):"
                text += Self.pad([0, 15, 30, 45].randomElement(using: &random)!, 2)
            }
            let expected = Timestamp(parsingRFC3339WithFoundation: text)
            if Timestamp.canonicalRFC3339Milliseconds(text) != nil { fast += 1 }
            #expect(Timestamp(rfc3339: text) == expected, "\(text)")
        }
        // Most of them took the fast path.
        #expect(fast > 10_000)
    }

    @Test func otherFormsAreFoundationsToReadOrRefuse() {
        for text in [
            "2026-07-14T12:03:00Z", "2026-07-14T14:03:00.250+02:00", "2026-07-14T12:03:00.213279123Z",
            "2026-07-14 12:03:00Z", "2026-07-14t12:03:00z", "2026-07-14T12:03:00", "2026-07-14T12:03Z",
            "2026-07-14T12:03:00+0200", "2026-07-14T12:03:00.Z", "2026-02-29T00:00:00Z", "2024-02-29T00:00:00Z",
            "20260714T120300Z", "2026-07-14T12:03:60Z", "", "Z", "2026-07-14T12:03:00+02:00:00", "１９７０-01-01T00:00:00Z",
        ] {
            #expect(Timestamp(rfc3339: text) == Timestamp(parsingRFC3339WithFoundation: text), "\(text)")
        }
        #expect(Timestamp(rfc3339: "2026-07-14T14:03:00.250+02:00")?.milliseconds == 1_784_030_580_250)
    }
}
