import FeedCore

// The journal's busiest entries, written as JSON text directly. Every outfall and rain reading journals an entry
// or two (a track, a watermark, a rain reading), and Foundation's JSONEncoder was most of a step's cost. The text
// is what JSONEncoder writes for the same value (keys: byte for byte, as a row's key must be; bodies: the same
// members, decoded by the same JSONDecoder), which `JournalJSONTests` checks.

/// A value the journal writes as an entry's body without JSONEncoder.
protocol JournalBody {
    /// Appends the value's JSON (the members its `Codable` conformance has).
    func writeJournalJSON(to text: inout String)
}

/// A key the journal writes as an entry's key without JSONEncoder, when its text is plain.
protocol JournalKey {
    /// The key's JSON as the journal's sorted-keys encoder writes it, or `nil` when it holds a character that
    /// encoder escapes (the encoder then writes it).
    var journalKey: String? { get }
}

enum JournalJSON {
    /// Appends `value` as a JSON string; any string gives valid JSON.
    static func append(string value: String, to text: inout String) {
        text.append("\"")
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": text.append("\\\"")
            case "\\": text.append("\\\\")
            case "\n": text.append("\\n")
            case "\r": text.append("\\r")
            case "\t": text.append("\\t")
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                text.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
            default: text.unicodeScalars.append(scalar)
            }
        }
        text.append("\"")
    }

    /// `"value"` when JSONEncoder would write the characters as they are (letters, digits, `-_.: @`).
    static func plainKey(_ value: String) -> String? {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."),
                UInt8(ascii: ":"), UInt8(ascii: " "), UInt8(ascii: "@"):
                continue
            default: return nil
            }
        }
        return "\"" + value + "\""
    }

    /// The JSON text of `value`, when it has a direct writing.
    static func body(_ value: some Any) -> String? {
        guard let value = value as? any JournalBody else { return nil }
        var text = ""
        value.writeJournalJSON(to: &text)
        return text
    }
}

extension SensorID: JournalKey {
    var journalKey: String? { JournalJSON.plainKey(rawValue) }
}

extension String: JournalKey {
    var journalKey: String? { JournalJSON.plainKey(self) }
}

extension AlertFingerprint: JournalKey {
    var journalKey: String? {
        guard let rule = JournalJSON.plainKey(rule.rawValue), let subject = JournalJSON.plainKey(subject) else {
            return nil
        }
        return "{\"rule\":\(rule),\"subject\":\(subject)}"
    }
}

extension Timestamp: JournalBody {
    func writeJournalJSON(to text: inout String) {
        text.append(String(milliseconds))
    }
}

extension SubjectMark: JournalBody {
    func writeJournalJSON(to text: inout String) {
        text.append("{\"arrival\":\(arrival.milliseconds),\"watermark\":\(watermark.milliseconds)}")
    }
}

extension Sample: JournalBody {
    func writeJournalJSON(to text: inout String) {
        // Values are finite (checked at ingest); `description` is the shortest text that reads back the same.
        text.append("{\"time\":\(time.milliseconds),\"value\":\(value.description)}")
    }
}

extension ProbeSamples: JournalBody {
    func writeJournalJSON(to text: inout String) {
        var members: [String] = []
        for (name, sample) in [("ecoli", ecoli), ("enterococci", enterococci)] {
            guard let sample else { continue }
            var member = "\"\(name)\":"
            sample.writeJournalJSON(to: &member)
            members.append(member)
        }
        text.append("{" + members.joined(separator: ",") + "}")
    }
}

extension OutfallTrack: JournalBody {
    func writeJournalJSON(to text: inout String) {
        text.append("{\"dischargingWhenLost\":\(dischargingWhenLost),\"discountedBeaches\":[")
        for (index, beach) in discountedBeaches.sorted().enumerated() {
            if index > 0 { text.append(",") }
            JournalJSON.append(string: beach, to: &text)
        }
        text.append("],\"firstHeard\":\(firstHeard.milliseconds),\"lastHeard\":\(lastHeard.milliseconds)")
        if let lastStop { text.append(",\"lastStop\":\(lastStop.milliseconds)") }
        text.append(",\"since\":\(since.milliseconds),\"state\":\(state.rawValue)}")
    }
}

extension EngineState.Counters: JournalBody {
    func writeJournalJSON(to text: inout String) {
        text.append(
            "{\"clock\":\(clock.milliseconds),\"lastSequence\":\(lastSequence),\"nextAlertID\":\(nextAlertID)}")
    }
}
