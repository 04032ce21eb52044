import Foundation

/// Opening hours in the common subset of OpenStreetMap's `opening_hours` syntax: `24/7`; rules separated by
/// `;`, each days then times, e.g. `Mo-Fr 07:00-21:00; Sa,Su 08:00-20:00`; `off` for a closed day
/// (`Su off`); times past midnight (`22:00-02:00`); a later rule overrides an earlier one for the days it names,
/// as in OSM. Public holidays, months and week numbers are not understood: such a value is refused.
public struct OpeningHours: Sendable, Equatable, CustomStringConvertible {
    /// Minutes since Monday 00:00 at which the car park is open, as ranges per weekday (0 = Monday).
    private var openMinutes: [[Range<Int>]]
    /// The expression as written.
    public let description: String

    /// Open at all times (`24/7`).
    public static let alwaysOpen = try! OpeningHours(parsing: "24/7")

    /// Parses the subset of OSM `opening_hours` used for car parks (day ranges, time ranges, `off`, `24/7`).
    public init(parsing text: String) throws(OpeningHoursError) {
        description = text
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed == "24/7" {
            openMinutes = Array(repeating: [0..<1_440], count: 7)
            return
        }
        var days = Array(repeating: [Range<Int>](), count: 7)
        // Spill past midnight goes to the next day, applied after the rules.
        var spill = Array(repeating: [Range<Int>](), count: 7)
        for rule in trimmed.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespaces) }) where !rule.isEmpty {
            let parts = rule.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw OpeningHoursError(text: text, problem: "'\(rule)' needs days and times")
            }
            let weekdays = try Self.days(parts[0], in: text)
            let times = parts[1].trimmingCharacters(in: .whitespaces)
            var ranges: [Range<Int>] = []
            var overflow: [Range<Int>] = []
            if times != "off" && times != "closed" {
                for span in times.split(separator: ",") {
                    let ends = span.split(separator: "-")
                    guard ends.count == 2, let start = Self.minutes(ends[0]), let end = Self.minutes(ends[1]) else {
                        throw OpeningHoursError(text: text, problem: "'\(span)' is not HH:MM-HH:MM")
                    }
                    if end > start {
                        ranges.append(start..<end)
                    } else {
                        ranges.append(start..<1_440)
                        if end > 0 { overflow.append(0..<end) }
                    }
                }
            }
            for day in weekdays {
                days[day] = ranges
                spill[(day + 1) % 7] = overflow
            }
        }
        for day in 0..<7 { days[day] += spill[day] }
        openMinutes = days
    }

    /// Whether it is open at `minute` (0…1439) of `weekday` (0 = Monday … 6 = Sunday), local time.
    public func isOpen(weekday: Int, minute: Int) -> Bool {
        openMinutes[weekday].contains { $0.contains(minute) }
    }

    static let dayNames = ["Mo", "Tu", "We", "Th", "Fr", "Sa", "Su"]

    static func days(_ text: String, in full: String) throws(OpeningHoursError) -> [Int] {
        var result: [Int] = []
        for item in text.split(separator: ",") {
            let ends = item.split(separator: "-").map(String.init)
            guard let first = dayNames.firstIndex(of: ends[0]) else {
                throw OpeningHoursError(text: full, problem: "'\(item)' is not a weekday (Mo…Su)")
            }
            if ends.count == 1 {
                result.append(first)
            } else if ends.count == 2, let last = dayNames.firstIndex(of: ends[1]) {
                var day = first
                while true {
                    result.append(day)
                    if day == last { break }
                    day = (day + 1) % 7
                }
            } else {
                throw OpeningHoursError(text: full, problem: "'\(item)' is not a weekday range")
            }
        }
        return result
    }

    static func minutes(_ text: Substring) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours),
            (0..<60).contains(minutes), hours * 60 + minutes <= 1_440
        else { return nil }
        return hours * 60 + minutes
    }
}

/// Why an opening-hours expression was refused.
public struct OpeningHoursError: Error, CustomStringConvertible, Sendable {
    /// The expression refused.
    public var text: String
    /// Why.
    public var problem: String
    public var description: String { "opening hours '\(text)': \(problem)" }
}
