#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A point in time, in whole milliseconds since the Unix epoch (UTC).
///
/// Readings, samples and alerts all carry their time as a `Timestamp`: an integer compares, hashes and
/// stores (SQLite `INTEGER`) exactly, which a `Date`'s floating-point seconds do not.
public struct Timestamp: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var milliseconds: Int64

    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    public init(seconds: Double) {
        self.milliseconds = Int64((seconds * 1000).rounded())
    }

    public init(_ date: Date) {
        self.init(seconds: date.timeIntervalSince1970)
    }

    /// The current wall-clock time.
    public static var now: Timestamp { Timestamp(Date()) }

    public var seconds: Double { Double(milliseconds) / 1000 }
    public var date: Date { Date(timeIntervalSince1970: seconds) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    public func adding(seconds: Double) -> Timestamp {
        Timestamp(milliseconds: milliseconds + Int64((seconds * 1000).rounded()))
    }

    /// Seconds from `other` to `self` (positive when `self` is later).
    public func seconds(since other: Timestamp) -> Double {
        Double(milliseconds - other.milliseconds) / 1000
    }

    /// RFC 3339 / ISO 8601 in UTC with millisecond precision, e.g. `2026-07-14T12:03:00.000Z`.
    public var iso8601: String {
        // Whole seconds through the formatter, milliseconds by hand: formatting the Double would render
        // …48.793 as …48.792 now and then.
        let (seconds, remainder) = milliseconds.quotientAndRemainder(dividingBy: 1_000)
        let (wholeSeconds, millis) = remainder < 0 ? (seconds - 1, remainder + 1_000) : (seconds, remainder)
        let base = Date(timeIntervalSince1970: Double(wholeSeconds)).formatted(Date.ISO8601FormatStyle())
        let digits = String(millis)
        return base.dropLast() + "." + String(repeating: "0", count: 3 - digits.count) + digits + "Z"
    }

    public var description: String { iso8601 }

    public init(from decoder: any Decoder) throws {
        self.milliseconds = try decoder.singleValueContainer().decode(Int64.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(milliseconds)
    }
}
