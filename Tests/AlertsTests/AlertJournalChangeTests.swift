import Alerts
import Beaches
import FeedCore
import Foundation
import Logging
import Storage
import Testing

/// The engine's state is journalled as the changes of each step: a step costs what it changed, not the size of
/// the city; a journal that held the whole state as one document is split into entries at open; a step the
/// journal refuses is undone.
@Suite struct AlertJournalChangeTests {
    let t = Timeline()
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-journal-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var journalPath: String { directory.appending(path: "alerts.sqlite").path }
    var logPath: String { directory.appending(path: "alerts.jsonl").path }

    /// `count` outfalls, each reaching a beach of its own.
    func bigPolicy(_ count: Int) -> AlertPolicy {
        AlertPolicy(
            beaches: (0..<count).map { .init(id: "b\($0)", probe: nil, thresholds: .defaults(for: .coastal)) },
            outfalls: Dictionary(uniqueKeysWithValues: (0..<count).map { (SensorID("o\($0)"), ["b\($0)"]) }),
            rainGauges: [:], holdSeconds: 48 * 3_600, offlineRaiseAfterSeconds: 900, notGenuine: .resolve)
    }

    func open(_ policy: AlertPolicy) throws -> AlertCenter {
        try AlertCenter(policy: policy, journalPath: journalPath, logPath: logPath, logger: Logger(label: "test"))
    }

    func walBytes() -> Int {
        (try? FileManager.default.attributesOfItem(atPath: journalPath + "-wal")[.size] as? Int) ?? 0
    }

    @Test func aStepWritesWhatItChangedNotTheWholeState() throws {
        let policy = bigPolicy(3_000)
        do {
            let center = try open(policy)
            try center.ingest((0..<3_000).map { t.outfall("o\($0)", .discharging, 0) })
            #expect(center.openAlerts.count == 3_000)
            center.close()
        }
        let center = try open(policy)
        defer { center.close() }
        let restored = center.openAlerts
        #expect(restored.count == 3_000 && restored.allSatisfy { $0.state == .firing && $0.stoppedAt == nil })
        // 3,000 tracks, marks and open alerts: about 2 MB as one document. One outfall's stop touches its
        // track, its mark and its beach's alert: a few pages of the write-ahead log.
        let before = walBytes()
        try center.ingest([t.outfall("o7", .stopped, 1)])
        let written = walBytes() - before
        #expect(written > 0 && written <= 64 * 1_024, "\(written) bytes for one outfall's stop")
        center.close()

        let reopened = try open(policy)
        let stopped = reopened.openAlerts.filter { $0.stoppedAt != nil }
        #expect(stopped.map(\.fingerprint.subject) == ["b7"])
        #expect(stopped.first?.endsAt == t.at(49))
        #expect(reopened.openAlerts.count == 3_000)
        #expect(reopened.lastSequence == 3_001)
        reopened.close()
        // One row per open alert: an entry rewritten is the same row (its key is the same text every time).
        let database = try SQLiteDatabase(path: journalPath)
        defer { database.close() }
        let rows = try database.statement("SELECT count(*) FROM engine_entries WHERE map = 'open'")
        _ = try rows.step()
        #expect(rows.int64(at: 0) == 3_000)
        rows.reset()
    }

    @Test func aJournalHoldingTheWholeStateIsSplitIntoEntriesAtOpen() throws {
        // The state as a journal of the previous format held it: one JSON document under 'state'.
        var engine = AlertEngine(policy: t.policy())
        _ = engine.apply([t.outfall("o1", .discharging, 0), t.outfall("o1", .stopped, 2), t.rain("g", 5, 2)])
        _ = engine.apply([t.sample("p-a", .ecoli, 1_500, 3)])
        try open(t.policy()).close()  // a journal of today's schema, then taken back to the previous one
        let database = try SQLiteDatabase(path: journalPath)
        try database.execute("DROP TABLE engine_entries")
        try database.execute("DELETE FROM engine")
        try database.execute("PRAGMA user_version = 1")
        let insert = try database.statement("INSERT INTO engine (key, body) VALUES ('state', ?)")
        try insert.bind(String(decoding: try JSONEncoder().encode(engine.state), as: UTF8.self), at: 1)
        _ = try insert.step()
        insert.reset()
        database.close()

        do {
            let center = try open(t.policy())
            #expect(center.openAlerts == engine.openAlerts)
            #expect(center.lastSequence == engine.state.lastSequence)
            center.close()
        }
        // Split once: the document is gone, and the state opens the same from its entries.
        let check = try SQLiteDatabase(path: journalPath)
        let documents = try check.statement("SELECT count(*) FROM engine WHERE key = 'state'")
        _ = try documents.step()
        #expect(documents.int64(at: 0) == 0)
        documents.reset()
        check.close()
        let center = try open(t.policy())
        defer { center.close() }
        #expect(center.openAlerts == engine.openAlerts)
        // The rain and the samples came along: the next readings give what the engine gives.
        let next = [t.rain("g", 16, 3), t.sample("p-a", .ecoli, 20, 4)]
        let expected = engine.apply(next)
        try center.ingest(next)
        #expect(center.lastSequence == engine.state.lastSequence)
        #expect(center.openAlerts == engine.openAlerts)
        #expect(!expected.isEmpty)
    }

    @Test func aRolledBackStepLeavesTheStateAsItWas() {
        var engine = AlertEngine(policy: t.policy())
        _ = engine.apply([t.outfall("o1", .discharging, 0), t.rain("g", 5, 0)])
        engine.commit()
        let before = engine.state
        let start = engine.checkpoint()
        let transitions = engine.apply([
            t.outfall("o1", .stopped, 2), t.outfall("o2", .discharging, 3), t.rain("g", 30, 3),
            t.sample("p-a", .ecoli, 1_500, 3),
        ])
        #expect(!transitions.isEmpty)
        #expect(engine.hasChanges(since: start))
        engine.rollBack(to: start)
        #expect(engine.state == before)
        #expect(engine.state.counters == before.counters)
        #expect(!engine.hasChanges(since: start))
        // Run again, the step gives the same transitions: nothing of the undone one stayed behind.
        #expect(
            engine.apply([
                t.outfall("o1", .stopped, 2), t.outfall("o2", .discharging, 3), t.rain("g", 30, 3),
                t.sample("p-a", .ecoli, 1_500, 3),
            ]).map(\.sequence) == transitions.map(\.sequence))
    }

    /// The journalled watermark of `subject`, read from the file.
    func journalledWatermark(_ subject: String) throws -> Timestamp? {
        let database = try SQLiteDatabase(path: journalPath)
        defer { database.close() }
        let select = try database.statement("SELECT body FROM engine_entries WHERE map = 'marks' AND key = ?")
        defer { select.reset() }
        try select.bind("\"\(subject)\"", at: 1)
        guard try select.step() else { return nil }
        return try JSONDecoder().decode(SubjectMark.self, from: Data(select.string(at: 0).utf8)).watermark
    }

    /// A heartbeat (an outfall repeating its state) moves only its watermark and `lastHeard`: nothing is
    /// written for it, and a step with a real change writes that change alone, until 5 s have passed since the
    /// last time they were written, or the close.
    @Test func heartbeatsWaitForTheNextRealChangeOrTheClose() throws {
        do {
            let center = try AlertCenter(
                policy: t.policy(), journalPath: journalPath, logPath: logPath, logger: Logger(label: "test"))
            try center.ingest([t.outfall("o1", .discharging, 0)])
            let before = walBytes()
            try center.ingest([t.outfall("o1", .discharging, 0.1)])
            try center.ingest([t.outfall("o1", .discharging, 0.2)])
            #expect(walBytes() == before, "a heartbeat wrote to the journal")
            try center.ingest([t.outfall("o2", .stopped, 0.3)])  // a new outfall: a real change
            #expect(walBytes() > before)
            // Written with it: the new outfall's track; still waiting (not yet due): the watermarks.
            #expect(try journalledWatermark("o1") == nil)
            try center.ingest([t.outfall("o1", .discharging, 0.4)])
            center.close()
        }
        #expect(try journalledWatermark("o1") == t.at(0.4), "the close writes what waited")
        #expect(try journalledWatermark("o2") == t.at(0.3))
        // The restored engine is where the live one was: the heartbeat at 0.4 h is a repeat, nothing new.
        let center = try AlertCenter(
            policy: t.policy(), journalPath: journalPath, logPath: logPath, logger: Logger(label: "test"))
        defer { center.close() }
        let sequence = center.lastSequence
        try center.ingest([t.outfall("o1", .discharging, 0.4)])
        #expect(center.lastSequence == sequence)
    }

    @Test func aStepThatOnlyMovesTheClockIsNotJournalled() throws {
        let center = try open(t.policy())
        defer { center.close() }
        try center.ingest([t.outfall("o1", .discharging, 0)])
        try center.advance(to: t.at(1))  // the rain gauge's empty window is recorded once
        let before = walBytes()
        // Nothing falls due an hour later: the clock moves, nothing is written.
        try center.advance(to: t.at(2))
        #expect(walBytes() == before)
        try center.ingest([t.outfall("o1", .stopped, 3)])
        #expect(walBytes() > before)
    }
}
