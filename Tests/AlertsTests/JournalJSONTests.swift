import Alerts
import FeedCore
import Foundation
import Logging
import Storage
import Testing

@testable import Alerts

/// The journal's direct JSON writing gives what JSONEncoder gives (keys byte for byte, bodies that decode to the
/// same values), and rain is journalled one reading a row: a rain reading costs its row, not its day.
@Suite struct JournalJSONTests {
    let t = Timeline()

    static func keyEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }

    static func randomText(_ random: inout SeededGenerator) -> String {
        let alphabet = Array("abcXYZ019-_.: @/\"\\é\n\t\u{01}€𝄞")
        return String((0..<Int.random(in: 0...12, using: &random)).map { _ in alphabet.randomElement(using: &random)! })
    }

    static func randomTime(_ random: inout SeededGenerator) -> Timestamp {
        Timestamp(milliseconds: Int64.random(in: -62_135_596_800_000...253_402_300_799_999, using: &random))
    }

    func checkBody<Value: Codable & Equatable>(_ value: Value) throws {
        let text = try #require(JournalJSON.body(value), "\(Value.self) has no direct writing")
        #expect(try JSONDecoder().decode(Value.self, from: Data(text.utf8)) == value, "\(text)")
    }

    func checkKey<Key: Encodable & JournalKey>(_ key: Key) throws {
        guard let text = key.journalKey else { return }
        #expect(text == String(decoding: try Self.keyEncoder().encode(key), as: UTF8.self))
    }

    @Test func directWritingGivesWhatTheEncoderGives() throws {
        var random = SeededGenerator(seed: 42)
        var plainKeys = 0
        for _ in 0..<2_000 {
            let text = Self.randomText(&random)
            try checkKey(SensorID(text))
            try checkKey(text)
            try checkKey(AlertFingerprint(AlertRule.allCases.randomElement(using: &random)!, text))
            if text.journalKey != nil { plainKeys += 1 }
            let sample = Sample(
                time: Self.randomTime(&random),
                value: [0, -0.0, 1e-300, 123.456, -7.25e12, Double.random(in: -1e6...1e6, using: &random)]
                    .randomElement(using: &random)!)
            try checkBody(sample)
            try checkBody(Self.randomTime(&random))
            try checkBody(SubjectMark(watermark: Self.randomTime(&random), arrival: Self.randomTime(&random)))
            try checkBody(
                ProbeSamples(
                    ecoli: Bool.random(using: &random) ? sample : nil,
                    enterococci: Bool.random(using: &random) ? sample : nil))
            var track = OutfallTrack(
                state: OverflowState.allCases.randomElement(using: &random)!, since: Self.randomTime(&random),
                firstHeard: Self.randomTime(&random))
            track.lastHeard = Self.randomTime(&random)
            track.lastStop = Bool.random(using: &random) ? Self.randomTime(&random) : nil
            track.dischargingWhenLost = Bool.random(using: &random)
            track.discountedBeaches = Set(
                (0..<Int.random(in: 0...3, using: &random)).map { _ in
                    Self.randomText(&random)
                })
            try checkBody(track)
            try checkBody(
                EngineState.Counters(
                    clock: Self.randomTime(&random), nextAlertID: Int64.random(in: 0...1_000_000, using: &random),
                    lastSequence: Int64.random(in: 0...1_000_000, using: &random)))
        }
        // Both kinds of key came up: plain ones written directly, others left to the encoder.
        #expect(plainKeys > 100 && plainKeys < 2_000)
    }

    var directory: URL {
        FileManager.default.temporaryDirectory.appending(path: "cityfeeds-rain-\(UUID())")
    }

    func rows(_ path: String, _ map: String) throws -> Int64 {
        let database = try SQLiteDatabase(path: path)
        defer { database.close() }
        let count = try database.statement("SELECT count(*) FROM engine_entries WHERE map = ?")
        defer { count.reset() }
        try count.bind(map, at: 1)
        _ = try count.step()
        return count.int64(at: 0)
    }

    @Test func rainIsJournalledOneReadingARow() throws {
        let folder = directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let journal = folder.appending(path: "alerts.sqlite").path
        let log = folder.appending(path: "alerts.jsonl").path
        func open() throws -> AlertCenter {
            try AlertCenter(policy: t.policy(), journalPath: journal, logPath: log, logger: Logger(label: "test"))
        }
        var engine = AlertEngine(policy: t.policy())
        // 26 hours of a reading a minute: the window holds a day of them.
        let readings = (0..<1_560).map { t.rain("g", 0.005, Double($0) / 60) }
        do {
            let center = try open()
            for chunk in stride(from: 0, to: readings.count - 1, by: 60) {
                let burst = Array(readings[chunk..<min(chunk + 60, readings.count - 1)])
                try center.ingest(burst)
                _ = engine.apply(burst)
            }
            // One more reading, with a day's window behind it, adds a few pages, not the day.
            let wal = { (try? FileManager.default.attributesOfItem(atPath: journal + "-wal")[.size] as? Int) ?? 0 }
            let before = wal()
            try center.ingest([readings.last!])
            _ = engine.apply([readings.last!])
            #expect(wal() - before <= 24 * 1_024, "\(wal() - before) bytes for one rain reading")
            center.close()
        }
        #expect(try rows(journal, "rain_samples") == 1_440)
        #expect(try rows(journal, "rain") == 0)
        // Restored, the window is the live engine's: the next readings give the same transitions.
        let center = try open()
        defer { center.close() }
        let next = (0..<120).map { t.rain("g", 0.2, 26 + Double($0) / 60) }
        let expected = engine.apply(next)
        try center.ingest(next)
        #expect(!expected.isEmpty)
        #expect(center.lastSequence == engine.state.lastSequence)
        #expect(center.openAlerts == engine.openAlerts)
    }

    @Test func aWindowJournalledWholeIsSplitAtOpen() throws {
        let folder = directory
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let journal = folder.appending(path: "alerts.sqlite").path
        let log = folder.appending(path: "alerts.jsonl").path
        var engine = AlertEngine(policy: t.policy())
        let earlier = [t.rain("g", 12, 0), t.rain("g", 6, 1)]
        _ = engine.apply(earlier)
        do {
            let center = try AlertCenter(
                policy: t.policy(), journalPath: journal, logPath: log, logger: Logger(label: "test"))
            try center.ingest(earlier)
            center.close()
        }
        // Taken back to what 0.15 wrote: the gauge's window as one row.
        let database = try SQLiteDatabase(path: journal)
        try database.execute("DELETE FROM engine_entries WHERE map = 'rain_samples'")
        let insert = try database.statement("INSERT INTO engine_entries (map, key, body) VALUES ('rain', '\"g\"', ?)")
        let window = earlier.map { Sample(time: $0.time, value: $0.value) }
        try insert.bind(String(decoding: try JSONEncoder().encode(window), as: UTF8.self), at: 1)
        _ = try insert.step()
        insert.reset()
        database.close()

        let center = try AlertCenter(
            policy: t.policy(), journalPath: journal, logPath: log, logger: Logger(label: "test"))
        defer { center.close() }
        #expect(try rows(journal, "rain") == 0)
        #expect(try rows(journal, "rain_samples") == 2)
        // 12 + 6 + 3 mm within the day: the alert level (20 mm) is reached as it is by the engine.
        let next = [t.rain("g", 3, 2)]
        let expected = engine.apply(next)
        try center.ingest(next)
        #expect(!expected.isEmpty)
        #expect(center.lastSequence == engine.state.lastSequence)
        #expect(center.openAlerts.map(\.fingerprint) == engine.openAlerts.map(\.fingerprint))
        #expect(!center.openAlerts.isEmpty)
    }
}
