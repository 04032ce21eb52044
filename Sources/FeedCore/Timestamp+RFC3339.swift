#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Timestamp {
    /// Parses RFC 3339 text (`2026-07-14T12:03:00Z`, `…T14:03:00.250+02:00`), with or without fractional
    /// seconds; LoRaWAN servers send nanoseconds (`…00.213279123Z`), which are cut to milliseconds.
    public init?(rfc3339 text: String) {
        var text = Substring(text)
        // ISO8601FormatStyle reads at most milliseconds: drop further fraction digits.
        if let dot = text.firstIndex(of: "."), text[..<dot].contains("T") {
            var end = text.index(after: dot)
            while end < text.endIndex, text[end].isASCII, text[end].isNumber { end = text.index(after: end) }
            let digits = text[text.index(after: dot)..<end]
            if digits.count > 3 {
                text = text[..<text.index(dot, offsetBy: 4)] + text[end...]
            }
        }
        let string = String(text)
        if let date = try? Date(string, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)) {
            self.init(date)
        } else if let date = try? Date(string, strategy: Date.ISO8601FormatStyle()) {
            self.init(date)
        } else {
            return nil
        }
    }
}
