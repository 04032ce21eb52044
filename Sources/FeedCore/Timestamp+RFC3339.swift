#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension Timestamp {
    /// Parses RFC 3339 text (`2026-07-14T12:03:00Z`, `…T14:03:00.250+02:00`), with or without fractional
    /// seconds; LoRaWAN servers send nanoseconds (`…00.213279123Z`), which are cut to milliseconds.
    public init?(rfc3339 text: String) {
        if let milliseconds = Self.canonicalRFC3339Milliseconds(text) {
            self.init(milliseconds: milliseconds)
            return
        }
        self.init(parsingRFC3339WithFoundation: text)
    }

    /// The general parser, for every form the fast path leaves (and the reference the tests hold it to).
    init?(parsingRFC3339WithFoundation text: String) {
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

extension Timestamp {
    /// The milliseconds of the form sensors and network servers send (`YYYY-MM-DDTHH:MM:SS`, an optional
    /// fraction, `Z` or `±HH:MM`), read digit by digit; `nil` for anything else, which the general parser then
    /// reads or refuses. Every ingested reading carries a time: Foundation's parser was a twentieth of ingest.
    /// Only valid dates and times from 1900 on take this path (a 30 February, a leap second, or a date of the
    /// centuries Foundation's calendar counts as Julian goes to Foundation, so the answer is always Foundation's).
    static func canonicalRFC3339Milliseconds(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { bytes -> Int64? in
            guard bytes.count >= 20, bytes.count <= 40 else { return nil }
            func digits(_ start: Int, _ count: Int) -> Int64? {
                var value: Int64 = 0
                for index in start..<(start + count) {
                    let digit = Int64(bytes[index]) - 48
                    guard (0...9).contains(digit) else { return nil }
                    value = value * 10 + digit
                }
                return value
            }
            guard bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-"), bytes[10] == UInt8(ascii: "T"),
                bytes[13] == UInt8(ascii: ":"), bytes[16] == UInt8(ascii: ":"),
                let year = digits(0, 4), let month = digits(5, 2), let day = digits(8, 2),
                let hour = digits(11, 2), let minute = digits(14, 2), let second = digits(17, 2),
                year >= 1_900, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year), hour < 24,
                minute < 60, second < 60
            else { return nil }
            var index = 19
            var milliseconds: Int64 = 0
            if bytes[index] == UInt8(ascii: ".") {
                index += 1
                var count = 0
                while index < bytes.count, (48...57).contains(bytes[index]) {
                    // Digits past the millisecond are cut, as the general parser cuts them.
                    if count < 3 { milliseconds = milliseconds * 10 + Int64(bytes[index] - 48) }
                    count += 1
                    index += 1
                }
                guard count >= 1 else { return nil }
                if count < 3 { for _ in count..<3 { milliseconds *= 10 } }
            }
            var offsetMinutes: Int64 = 0
            if index == bytes.count - 1, bytes[index] == UInt8(ascii: "Z") {
                offsetMinutes = 0
            } else if index == bytes.count - 6, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"),
                bytes[index + 3] == UInt8(ascii: ":"), let hours = digits(index + 1, 2),
                let minutes = digits(index + 4, 2), hours < 24, minutes < 60
            {
                offsetMinutes = (hours * 60 + minutes) * (bytes[index] == UInt8(ascii: "+") ? 1 : -1)
            } else {
                return nil
            }
            let days = daysSinceEpoch(year: year, month: month, day: day)
            let seconds = ((days * 24 + hour) * 60 + minute) * 60 + second - offsetMinutes * 60
            return seconds * 1_000 + milliseconds
        }
    }

    private static func daysIn(month: Int64, year: Int64) -> Int64 {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (H. Hinnant's days-from-civil).
    private static func daysSinceEpoch(year: Int64, month: Int64, day: Int64) -> Int64 {
        let shifted = month <= 2 ? year - 1 : year
        let era = (shifted >= 0 ? shifted : shifted - 399) / 400
        let yearOfEra = shifted - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
