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
    /// Milliseconds since 1970-01-01T00:00:00Z.
    public var milliseconds: Int64

    /// The instant `milliseconds` after the epoch.
    public init(milliseconds: Int64) {
        self.milliseconds = milliseconds
    }

    /// The first and last instants a time from outside may name: years 0001 to 9999, what RFC 3339 can write.
    /// Every time a client or a sensor sends goes through `init?(validatingSeconds:)` or is compared with these.
    public static let earliest = Timestamp(milliseconds: -62_135_596_800_000)
    /// The last millisecond of the year 9999.
    public static let latest = Timestamp(milliseconds: 253_402_300_799_999)

    /// Saturating: a non-finite or out-of-range value is clamped to `earliest ... latest` (NaN to the epoch),
    /// because converting such a Double to an integer would trap. Untrusted input should be checked with
    /// `init?(validatingSeconds:)` instead, so it is refused with a reason rather than clamped.
    public init(seconds: Double) {
        let milliseconds = (seconds * 1000).rounded()
        if milliseconds.isNaN {
            self.milliseconds = 0
        } else {
            self.milliseconds = Int64(
                Swift.min(Swift.max(milliseconds, Double(Self.earliest.milliseconds)), Double(Self.latest.milliseconds))
            )
        }
    }

    /// `nil` unless `seconds` is finite and names an instant between `earliest` and `latest`.
    public init?(validatingSeconds seconds: Double) {
        guard seconds.isFinite,
            seconds * 1000 >= Double(Self.earliest.milliseconds), seconds * 1000 <= Double(Self.latest.milliseconds)
        else { return nil }
        self.init(seconds: seconds)
    }

    /// The instant of `date`, to the millisecond.
    public init(_ date: Date) {
        self.init(seconds: date.timeIntervalSince1970)
    }

    /// The current wall-clock time.
    public static var now: Timestamp { Timestamp(Date()) }

    /// Seconds since the epoch.
    public var seconds: Double { Double(milliseconds) / 1000 }
    /// The same instant as a `Date`.
    public var date: Date { Date(timeIntervalSince1970: seconds) }

    public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.milliseconds < rhs.milliseconds }

    /// Saturating at `Int64`'s range, so that no offset, however large, traps.
    public func adding(seconds: Double) -> Timestamp {
        let offset = (seconds * 1000).rounded()
        guard offset.isFinite, abs(offset) < 9.2e18 else {
            return Timestamp(milliseconds: offset > 0 ? .max : offset < 0 ? .min : milliseconds)
        }
        let (sum, overflow) = milliseconds.addingReportingOverflow(Int64(offset))
        return overflow ? Timestamp(milliseconds: offset > 0 ? .max : .min) : Timestamp(milliseconds: sum)
    }

    /// Seconds from `other` to `self` (positive when `self` is later).
    public func seconds(since other: Timestamp) -> Double {
        (Double(milliseconds) - Double(other.milliseconds)) / 1000
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
