import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation

/// Words, times, numbers and distances as the page writes them in one language, in the city's time zone.
struct PageText {
    let words: Wording
    let language: PageLanguage
    let timeZone: TimeZone
    let now: Timestamp

    /// "jeudi 14 juillet à 21:00", or "aujourd'hui à 21:00" for today, in the city's time zone.
    func time(_ time: Timestamp) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let formatter = DateFormatter()
        formatter.locale = language.locale
        formatter.timeZone = timeZone
        formatter.dateFormat =
            calendar.isDate(time.date, inSameDayAs: now.date) ? words("time.today") : words("time.format")
        return formatter.string(from: time.date)
    }

    /// "14 juillet 2026".
    func date(_ time: Timestamp) -> String {
        let formatter = DateFormatter()
        formatter.locale = language.locale
        formatter.timeZone = timeZone
        formatter.dateFormat = words("time.date")
        return formatter.string(from: time.date)
    }

    /// How long ago `time` was: minutes, hours or days ("2 h").
    func ago(_ time: Timestamp) -> String {
        let seconds = max(0, now.seconds(since: time))
        if seconds < 60 { return words("time.lessThanMinute") }
        if seconds < 3_600 { return words("time.minutes", ["n": String(Int(seconds / 60))]) }
        if seconds < 2 * 86_400 { return words("time.hours", ["n": String(Int(seconds / 3_600))]) }
        return words("time.days", ["n": String(Int(seconds / 86_400))])
    }

    /// A number with the language's decimal separator, without trailing zeros unless `decimals` asks for them.
    func number(_ value: Double, decimals: Int? = nil) -> String {
        let text: String
        if let decimals {
            text = String(format: "%.\(decimals)f", value)
        } else if value.rounded() == value, abs(value) < 1e15 {
            text = String(Int64(value))
        } else {
            text = String(format: "%.1f", value)
        }
        return text.replacingOccurrences(of: ".", with: words("number.decimal"))
    }

    /// "350 m" or "1,2 km".
    func distance(_ metres: Double) -> String {
        metres < 1_000 ? "\(Int((metres / 10).rounded()) * 10) m" : "\(number(metres / 1_000, decimals: 1)) km"
    }

    /// An outfall's condition in words.
    func outfallState(_ condition: OutfallCondition) -> String {
        switch condition {
        case .clear: return words("outfall.clear")
        case .discharging(let since): return words("outfall.discharging", ["since": time(since)])
        case .recentDischarge(let stopped, let until):
            guard let until else { return words("outfall.recentClean", ["stopped": time(stopped)]) }
            return words("outfall.recent", ["stopped": time(stopped), "until": time(until)])
        case .offline(let since): return words("outfall.offline", ["since": time(since)])
        case .unknown: return words("outfall.unknown")
        }
    }

    /// A municipal order in words.
    func order(_ order: BeachOverride) -> String {
        switch order.action {
        case .close:
            guard let until = order.until else {
                return words("beach.why.closed", ["author": order.author, "reason": order.reason])
            }
            return words(
                "beach.why.closedUntil", ["author": order.author, "reason": order.reason, "until": time(until)])
        case .open:
            return words("beach.why.reopened", ["author": order.author, "reason": order.reason])
        }
    }

    /// The probe's state in words.
    func probe(_ probe: ProbeState?) -> String {
        guard let probe else { return words("probe.none") }
        guard let seen = probe.lastSeen else { return words("probe.never") }
        return probe.online ? words("probe.online", ["ago": ago(seen)]) : words("probe.offline", ["since": time(seen)])
    }

    /// The text with its first letter in capitals (a reason starting a sentence).
    static func capitalized(_ text: String) -> String {
        text.prefix(1).uppercased() + text.dropFirst()
    }
}

/// A beach's answer in plain words: the verdict, then why, most important first.
struct Verdict {
    /// The status's name (`good`, `average`, `poor`, `closed`, `unknown`): the card's class.
    let status: String
    /// A symbol beside the words (never the only signal, and hidden from screen readers).
    let icon: String
    /// "Swimming not advised".
    let words: String
    /// "sewage discharge at Port Vieux overflow 2 h ago, warning until Thursday at 21:00", …
    let reasons: [String]

    /// The verdict of `state`; with `maxSampleAgeSeconds`, a sample too old is said to be so.
    init(_ state: BeachState, text: PageText, maxSampleAgeSeconds: Double?) {
        let assessment = state.assessment
        status = assessment.status.rawValue
        icon =
            switch assessment.status {
            case .good: "✓"
            case .average: "!"
            case .poor: "✗"
            case .closed: "⛔"
            case .unknown: "?"
            }
        words = text.words("beach.verdict.\(assessment.status.rawValue)")
        var reasons: [String] = []
        if let order = state.override { reasons.append(text.order(order)) }
        for (outfall, condition) in state.outfalls {
            switch condition {
            case .discharging(let since):
                reasons.append(
                    text.words("beach.why.discharging", ["outfall": outfall.name, "since": text.time(since)]))
            case .recentDischarge(let stopped, let until):
                reasons.append(
                    until.map {
                        text.words(
                            "beach.why.recent",
                            ["outfall": outfall.name, "ago": text.ago(stopped), "until": text.time($0)])
                    } ?? text.words("beach.why.recentClean", ["outfall": outfall.name, "ago": text.ago(stopped)]))
            case .offline(let since):
                reasons.append(
                    text.words("beach.why.outfallOffline", ["outfall": outfall.name, "since": text.time(since)]))
            case .clear, .unknown:
                break
            }
        }
        if state.alerts.contains(where: { $0.fingerprint.rule == .heavyRain }) {
            reasons.append(text.words("beach.why.heavyRain"))
        }
        if !(state.probe?.signs ?? []).isEmpty { reasons.append(text.words("beach.why.plume")) }
        if let time = assessment.sampleTime, let quality = assessment.sampleQuality {
            let tooOld =
                maxSampleAgeSeconds.map { text.now.seconds(since: time) > $0 } ?? (assessment.status == .unknown)
            reasons.append(
                tooOld
                    ? text.words("beach.why.sampleOld", ["date": text.date(time)])
                    : text.words(
                        "beach.why.sample",
                        ["quality": text.words("quality.\(quality.rawValue)"), "ago": text.ago(time)]))
        } else {
            reasons.append(text.words("beach.why.noSample"))
        }
        self.reasons = reasons
    }
}

/// What a visitor asked the home page for, from the query string: checked and bounded, never trusted. A value
/// that cannot be read is left out (and, for the height, said so on the page) rather than refused.
package struct PageQuery: Sendable, Equatable {
    /// The district whose beaches to show.
    var district: String?
    /// "here" (the position below) or a district id.
    var near: String?
    /// The visitor's position, from the browser (with consent), in WGS84 degrees.
    var position: (latitude: Double, longitude: Double)?
    var freeOfCharge = false
    /// The vehicle's height as typed, and in centimetres when it could be read (1 m to 5 m).
    var heightText: String?
    var heightCentimetres: Int?

    /// Whether a height was typed that could not be read.
    var heightIsInvalid: Bool { heightText != nil && heightCentimetres == nil }

    /// The query of `parameters` (name → value, as sent).
    package init(parameters: [String: String]) {
        func text(_ name: String) -> String? {
            guard let value = parameters[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else {
                return nil
            }
            return String(value.prefix(64))
        }
        district = text("district")
        near = text("near")
        if let lat = text("lat").flatMap(Double.init), let lon = text("lon").flatMap(Double.init),
            (-90...90).contains(lat), (-180...180).contains(lon)
        {
            position = (lat, lon)
        }
        freeOfCharge = text("free") != nil
        heightText = text("height")
        if let typed = heightText, let metres = Double(typed.replacingOccurrences(of: ",", with: ".")),
            metres.isFinite, (1...5).contains(metres)
        {
            heightCentimetres = Int((metres * 100).rounded())
        }
    }

    package static func == (lhs: PageQuery, rhs: PageQuery) -> Bool {
        lhs.district == rhs.district && lhs.near == rhs.near && lhs.position?.latitude == rhs.position?.latitude
            && lhs.position?.longitude == rhs.position?.longitude && lhs.freeOfCharge == rhs.freeOfCharge
            && lhs.heightText == rhs.heightText
    }

    /// Whether the query asks for nothing but the default page (which is then served from a snapshot).
    package var isEmpty: Bool { self == PageQuery(parameters: [:]) }
}
