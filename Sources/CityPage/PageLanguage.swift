import Foundation

/// The languages of the public page: French by default (the city's own), English on request.
package enum PageLanguage: String, Sendable, CaseIterable {
    case fr, en

    /// The `lang` parameter when it names a language of the page; otherwise the first language of
    /// `Accept-Language` (by weight) the page has; otherwise French.
    package static func negotiate(parameter: String?, acceptLanguage: String?) -> PageLanguage {
        if let parameter, let language = PageLanguage(rawValue: parameter.lowercased()) { return language }
        // Bounded: a header from outside is read for its first 32 ranges at most.
        let ranges = (acceptLanguage ?? "").split(separator: ",").prefix(32).enumerated().compactMap {
            index, range -> (language: PageLanguage, weight: Double, index: Int)? in
            let parts = range.split(separator: ";")
            let tag = parts.first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            guard let primary = tag.split(separator: "-").first, let language = PageLanguage(rawValue: String(primary))
            else { return nil }
            var weight = 1.0
            for parameter in parts.dropFirst() {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].trimmingCharacters(in: .whitespaces) == "q",
                    let value = Double(pair[1].trimmingCharacters(in: .whitespaces)), value.isFinite
                {
                    weight = min(max(value, 0), 1)
                }
            }
            return weight > 0 ? (language, weight, index) : nil
        }
        let best = ranges.max { ($0.weight, -$0.index) < ($1.weight, -$1.index) }
        return best?.language ?? .fr
    }

    /// The locale its dates and numbers are written in.
    var locale: Locale { Locale(identifier: self == .fr ? "fr_FR" : "en_GB") }
}

/// The texts of one language, from its resource file, with `{name}` placeholders: a city adapts the wording
/// by editing the file, not the code.
struct Wording: Sendable {
    let texts: [String: String]

    init(json: [UInt8]) throws {
        texts = try JSONDecoder().decode([String: String].self, from: Data(json))
    }

    /// The text of `key` with its placeholders filled; the key itself when the file lacks it (a test checks
    /// that both languages have every key).
    func callAsFunction(_ key: String, _ values: [String: String] = [:]) -> String {
        var text = texts[key] ?? key
        for (name, value) in values { text = text.replacingOccurrences(of: "{\(name)}", with: value) }
        return text
    }
}
