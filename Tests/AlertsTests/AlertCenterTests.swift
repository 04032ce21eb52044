import Alerts
import FeedCore
import Foundation
import Logging
import Testing

/// The engine with its journal and log on real files: restarts, the log's catch-up, streams that resume.
@Suite struct AlertCenterTests {
    let t = Timeline()
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-alerts-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var journalPath: String { directory.appending(path: "alerts.sqlite").path }
    var logPath: String { directory.appending(path: "alerts.jsonl").path }

    func open(subscriberBuffer: Int = 256) throws -> AlertCenter {
        try AlertCenter(
            policy: t.policy(), journalPath: journalPath, logPath: logPath, subscriberBuffer: subscriberBuffer,
            logger: Logger(label: "test"))
    }

    /// `cycles` spills of o1, each long stopped before the next: several transitions each, in one step.
    func spills(_ cycles: Int, from start: Int = 0) -> [Reading] {
        (start..<(start + cycles)).flatMap { index in
            [t.outfall("o1", .discharging, Double(index) * 100), t.outfall("o1", .stopped, Double(index) * 100 + 1)]
        }
    }

    /// Reads transitions until `last`, checking each follows the one before.
    func readContiguously(
        _ iterator: inout AlertFeed.AsyncIterator, after first: Int64, through last: Int64
    ) async throws {
        var expected = first + 1
        while expected <= last {
            guard let event = try await iterator.next() else {
                Issue.record("the feed ended at \(expected - 1) of \(last)")
                return
            }
            guard case .transition(let transition) = event else { continue }
            #expect(transition.sequence == expected)
            if transition.sequence != expected { return }
            expected += 1
        }
    }

    func logLines() throws -> [[String: Any]] {
        try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }
    }

    @Test func aRestartInTheMiddleOfAHoldNeitherReNotifiesNorForgets() throws {
        do {
            let center = try open()
            try center.ingest([t.outfall("o1", .discharging, 0), t.outfall("o1", .stopped, 2)])
            try center.advance(to: t.at(10))
            center.close()
        }
        let before = try logLines()
        #expect(before.map { $0["kind"] as? String } == ["firing", "firing", "updated", "updated"])

        let center = try open()
        defer { center.close() }
        #expect(center.openAlerts.count == 2)
        #expect(center.openAlerts.allSatisfy { $0.endsAt == t.at(50) })
        // The same readings again (a redelivered burst) change nothing.
        try center.ingest([t.outfall("o1", .discharging, 0), t.outfall("o1", .stopped, 2)])
        #expect(try logLines().count == 4)
        try center.advance(to: t.at(70))
        let after = try logLines()
        #expect(after.count == 6)
        #expect(after.compactMap { $0["sequence"] as? Int } == [1, 2, 3, 4, 5, 6])
        // Each alert counts its own transitions, across the restart: the key a pair's consumers share.
        #expect(after.compactMap { $0["step"] as? Int } == [1, 1, 2, 2, 3, 3])
        #expect(
            after.suffix(2).allSatisfy {
                $0["kind"] as? String == "resolved" && $0["at"] as? String == t.at(50).iso8601
            })
        let resolved = try center.alerts(AlertFilter(states: .resolved))
        #expect(resolved.count == 2)
        #expect(try center.alerts(AlertFilter(states: .active)).isEmpty)
        #expect(try center.alerts(AlertFilter(beach: "b")).count == 1)
        let detail = try #require(try center.alert(id: resolved[0].id))
        #expect(detail.transitions.map(\.kind) == [.firing, .updated, .resolved])
    }

    @Test func theLogCatchesUpWithTheJournalAfterACrashBetweenTheTwo() throws {
        do {
            // No close: the process dies.
            let center = try open()
            try center.ingest([t.outfall("o1", .discharging, 0)])
        }
        // Lose the last line, as a crash after the journal's commit and before the log's write would.
        let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
        try (lines.dropLast().joined(separator: "\n") + "\n").write(toFile: logPath, atomically: true, encoding: .utf8)
        let center = try open()
        center.close()
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == [1, 2])
    }

    @Test func aRotatedLogStartsAfreshAndIsNotRefilledWithTheHistory() throws {
        do {
            let center = try open()
            try center.ingest([t.outfall("o1", .discharging, 0)])  // sequences 1–2
            center.close()
        }
        // logrotate: the file moves away and an empty one takes its place.
        try FileManager.default.moveItem(atPath: logPath, toPath: logPath + ".1")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let center = try open()
        defer { center.close() }
        #expect(try logLines().isEmpty)
        try center.ingest([t.outfall("o1", .stopped, 2)])
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == [3, 4])
    }

    @Test func aStreamResumesAfterTheLastEventItSawWithNoGapAndNoRepeat() async throws {
        let center = try open()
        defer { center.close() }
        try center.ingest([t.outfall("o1", .discharging, 0), t.outfall("o1", .stopped, 2)])  // sequences 1–4
        let feed = center.subscribe(after: 2)
        var iterator = feed.makeAsyncIterator()
        guard case .transition(let first)? = try await iterator.next() else {
            Issue.record("no transition")
            return
        }
        try center.ingest([t.outfall("o2", .discharging, 3)])  // 5: b merges o2
        var seen: [Int64] = [first.sequence]
        while seen.count < 3, let event = try await iterator.next() {
            if case .transition(let transition) = event { seen.append(transition.sequence) }
        }
        center.finishSubscribers()
        #expect(try await iterator.next() == nil)
        #expect(seen == [3, 4, 5])
        #expect(feed.subscription.endReason == .shutdown)
    }

    @Test func operatorActionsAreJournalledAndAnUnknownAlertIsRefused() throws {
        let center = try open()
        defer { center.close() }
        try center.ingest([t.outfall("o1", .discharging, 0)])
        let alert = try #require(center.openAlerts.first)
        let acknowledged = try center.acknowledge(id: alert.id, note: OperatorNote(by: "duty officer", at: t.at(1)))
        #expect(acknowledged.acknowledged?.by == "duty officer")
        #expect(acknowledged.state == .firing)
        let marked = try center.markNotGenuine(
            id: alert.id, note: OperatorNote(by: "ops", at: t.at(2), reason: "sensor test"))
        #expect(marked.state == .resolved)
        #expect(marked.notGenuine?.reason == "sensor test")
        #expect(throws: AlertActionError.noSuchAlert(999)) {
            try center.acknowledge(id: 999, note: OperatorNote(by: "ops", at: t.at(3)))
        }
        #expect(try logLines().last?["kind"] as? String == "resolved")
    }

    /// A resolved alert has nothing left to acknowledge or silence; each acknowledgement of an open one stays in
    /// its history with its reason, though the alert shows the latest.
    @Test func aResolvedAlertRefusesAcknowledgementAndEveryAcknowledgementStaysInTheHistory() throws {
        let center = try open()
        defer { center.close() }
        try center.ingest([t.outfall("o1", .discharging, 0)])
        let alert = try #require(center.openAlerts.first)
        _ = try center.acknowledge(id: alert.id, note: OperatorNote(by: "night shift", at: t.at(1), reason: "seen"))
        let second = try center.acknowledge(
            id: alert.id, note: OperatorNote(by: "day shift", at: t.at(2), reason: "crew sent"))
        #expect(second.acknowledged?.reason == "crew sent")
        let history = try #require(try center.alert(id: alert.id)).transitions.filter { $0.kind == .acknowledged }
        #expect(history.map(\.note) == ["acknowledged by night shift: seen", "acknowledged by day shift: crew sent"])

        _ = try center.markNotGenuine(id: alert.id, note: OperatorNote(by: "ops", at: t.at(3), reason: "test"))
        #expect(throws: AlertActionError.resolved(alert.id)) {
            try center.acknowledge(id: alert.id, note: OperatorNote(by: "ops", at: t.at(4)))
        }
        #expect(throws: AlertActionError.resolved(alert.id)) {
            try center.silence(id: alert.id, until: t.at(9_000), note: OperatorNote(by: "ops", at: t.at(4)))
        }
    }

    @Test func transitionsLearntLateAreMarkedAsHistoryInTheJournalAndTheLog() throws {
        let center = try open()
        defer { center.close() }
        let now = Timestamp.now
        // A spill three days ago, learnt only now (a backlog): history.
        let old = now.adding(seconds: -3 * 86_400)
        try center.ingest([
            Reading(
                sensor: "o2", metric: .overflowState, time: old, value: OverflowState.discharging.value, received: now),
            Reading(
                sensor: "o2", metric: .overflowState, time: old.adding(seconds: 3_600),
                value: OverflowState.stopped.value,
                received: now),
        ])
        // A spill now, on an outfall that reaches b too: b's old hold (ended 23 h ago) resolves first, as
        // history; then the live alerts fire.
        try center.ingest([
            Reading(
                sensor: "o1", metric: .overflowState, time: now, value: OverflowState.discharging.value, received: now)
        ])
        let lines = try logLines()
        #expect(lines.map { $0["late"] as? Bool } == [true, true, true, false, false])
        #expect(lines.map { $0["kind"] as? String } == ["firing", "updated", "resolved", "firing", "firing"])
        #expect(lines.first?["at"] as? String == old.iso8601)
        let recorded = try #require(Timestamp(rfc3339: lines.first?["recorded_at"] as? String ?? ""))
        #expect(abs(recorded.seconds(since: now)) < 60)
        let journal = try center.transitions(after: 0, limit: 10)
        #expect(journal.map(\.late) == [true, true, true, false, false])
        #expect(journal.allSatisfy { $0.recordedAt != nil })
    }

    @Test func anotherApplicationsFileIsLeftUntouched() throws {
        let foreign = directory.appending(path: "foreign.sqlite").path
        try Data("this is not a database, it is a shopping list".utf8).write(to: URL(fileURLWithPath: foreign))
        #expect(throws: JournalError.self) {
            try AlertCenter(policy: t.policy(), journalPath: foreign, logPath: logPath, logger: Logger(label: "test"))
        }
        #expect(try String(contentsOfFile: foreign, encoding: .utf8).hasPrefix("this is not"))
    }

    /// Subscribers that go away (a client closing its stream) while transitions are being streamed: this
    /// deadlocked when the stream's termination handler took the center's lock.
    @Test(.timeLimit(.minutes(1))) func subscribersLeavingWhileAlertsFireNeverDeadlock() async throws {
        let center = try open()
        defer { center.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for index in 0..<400 {
                    let state: OverflowState = index % 2 == 0 ? .discharging : .stopped
                    try center.ingest([t.outfall("o1", state, Double(index) / 100)])
                }
            }
            for _ in 0..<200 {
                let feed = center.subscribe(after: nil)
                let reader = Task { for try await _ in feed { break } }
                group.addTask {
                    try await Task.sleep(for: .microseconds(50))
                    reader.cancel()
                    _ = try? await reader.value
                }
            }
            try await group.waitForAll()
        }
        #expect(center.lastSequence >= 400)
    }

    /// A resume thousands of transitions behind pages through the journal: every one arrives, in order, with
    /// a queue of 16, then the live ones follow without a gap.
    @Test func aResumeFarBehindPagesThroughTheJournalWithoutAGap() async throws {
        let center = try open(subscriberBuffer: 16)
        defer { center.close() }
        try center.ingest(spills(1_500))
        let journalled = center.lastSequence
        #expect(journalled > 3_000)
        let feed = center.subscribe(after: 0)
        var iterator = feed.makeAsyncIterator()
        try await readContiguously(&iterator, after: 0, through: journalled)
        try center.ingest(spills(2, from: 1_500))
        try await readContiguously(&iterator, after: journalled, through: center.lastSequence)
    }

    /// A subscriber that does not read is ended once its queue is full, without holding up the step or
    /// anyone else; it keeps what was queued, learns why, and resumes from its last id without a gap.
    @Test func aSubscriberTooFarBehindIsEndedAndResumesWithoutAGap() async throws {
        let center = try open(subscriberBuffer: 16)
        defer { center.close() }
        let reader = center.subscribe(after: nil)
        let sleeper = center.subscribe(after: nil)
        var reading = reader.makeAsyncIterator()
        try center.ingest(spills(2))
        try await readContiguously(&reading, after: 0, through: center.lastSequence)
        for cycle in 2..<40 {
            let before = center.lastSequence
            try center.ingest(spills(1, from: cycle))
            try await readContiguously(&reading, after: before, through: center.lastSequence)
        }
        #expect(sleeper.subscription.endReason == .tooSlow(limit: 16))
        #expect(center.subscribersEndedTooSlow == 1)
        #expect(center.subscriberCount == 1)
        var lastSeen: Int64 = 0
        for try await event in sleeper {
            if case .transition(let transition) = event { lastSeen = transition.sequence }
        }
        // It keeps the 16 steps it had queued, whole.
        #expect(lastSeen > 16 && lastSeen < (center.lastSequence))
        var resumed = center.subscribe(after: lastSeen).makeAsyncIterator()
        try await readContiguously(&resumed, after: lastSeen, through: center.lastSequence)
    }

    /// Points the log at `/dev/full`: every write fails as on a full disk.
    func fillTheDisk() throws {
        try? FileManager.default.removeItem(atPath: logPath)
        try FileManager.default.createSymbolicLink(atPath: logPath, withDestinationPath: "/dev/full")
    }

    func makeRoom(contents: Data? = nil) throws {
        try FileManager.default.removeItem(atPath: logPath)
        _ = FileManager.default.createFile(atPath: logPath, contents: contents)
    }

    /// A full disk: the journal keeps every transition, the failure is reported, and once there is room the
    /// log is caught up, each line once.
    @Test func aLogThatCannotBeWrittenIsReportedAndCaughtUpOnceItCanBe() throws {
        try fillTheDisk()
        let center = try open()
        defer { center.close() }
        #expect(center.logHealth.isHealthy)
        try center.ingest([t.outfall("o1", .discharging, 0)])  // 1–2
        try center.ingest([t.outfall("o1", .stopped, 2)])  // 3–4
        let failing = center.logHealth
        #expect(failing.failure != nil)
        #expect(failing.loggedThrough == 0 && failing.journalled == 4)
        #expect(failing.writeFailures == 2)
        center.retryLog()
        #expect(center.logHealth.failure != nil, "still no room")
        try makeRoom()
        center.retryLog()
        #expect(center.logHealth.isHealthy)
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == [1, 2, 3, 4])
        try center.ingest([t.outfall("o1", .discharging, 100)])
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == Array(1...Int(center.lastSequence)))
    }

    /// The log was never flushed before the machine went down: it is empty, and that is not a rotation.
    @Test func anEmptyLogAfterACrashIsFilledFromTheJournal() throws {
        try fillTheDisk()
        do {
            let center = try open()
            try center.ingest([t.outfall("o1", .discharging, 0)])  // 1–2, journalled only
            center.close()
        }
        try makeRoom()
        let center = try open()
        defer { center.close() }
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == [1, 2])
        #expect(center.logHealth.isHealthy)
    }

    /// Half a line at the end (a full disk, a crash mid-write) is cut off before anything is appended, and
    /// the transition it held is written again from the journal: every line parses.
    @Test func aTornLastLineIsCutOffAndRewrittenFromTheJournal() throws {
        do {
            // No close: the process dies mid-write.
            let center = try open()
            try center.ingest([t.outfall("o1", .discharging, 0)])  // 1–2
            try center.ingest([t.outfall("o1", .stopped, 2)])  // 3–4
        }
        let whole = try Data(contentsOf: URL(filePath: logPath))
        try makeRoom(contents: whole.dropLast(40))
        let center = try open()
        defer { center.close() }
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == [1, 2, 3, 4])
        try center.ingest([t.outfall("o1", .discharging, 100)])
        #expect(try logLines().compactMap { $0["sequence"] as? Int } == Array(1...Int(center.lastSequence)))
    }

    /// A damaged journal is refused when the center opens, not found out by the first step that fails.
    @Test func aDamagedJournalIsRefusedAtStart() throws {
        do {
            let center = try open()
            for hour in stride(from: 0.0, to: 4_000, by: 100) {
                try center.ingest([t.outfall("o1", .discharging, hour), t.outfall("o1", .stopped, hour + 1)])
            }
            center.close()
        }
        // Scribble over a page in the middle of the file, as a failing disk would.
        let handle = try FileHandle(forUpdating: URL(filePath: journalPath))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2 / 4_096 * 4_096 + 8)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 2_000))
        try handle.close()
        #expect(throws: JournalError.self) { try open() }
    }
}
