import Alerts
import FeedCore
import Testing

/// The alert rules decide in the readings' time: a backlog after an outage, late reports across outfalls and a
/// replayed archive give the alerts live operation gives. The wall clock only moves subjects whose data are
/// live, or that have been quiet long enough for a backlog to have drained.
@Suite struct EventTimeTests {
    let t = Timeline()

    /// One sewage alert as the history shows it: beach, start and resolution in hours from the origin.
    struct Window: Hashable, CustomStringConvertible {
        var beach: String
        var start: Double
        var end: Double?
        var description: String { "\(beach) \(start)–\(end.map { "\($0)" } ?? "open")" }
    }

    func windows(_ transitions: [AlertTransition], _ engine: AlertEngine) -> [Window] {
        var latest: [Int64: Alert] = [:]
        for transition in transitions { latest[transition.alert.id] = transition.alert }
        for alert in engine.openAlerts { latest[alert.id] = alert }
        return latest.values.filter { $0.fingerprint.rule == .sewageDischarge }
            .map { alert in
                Window(
                    beach: alert.fingerprint.subject, start: hours(alert.startedAt),
                    end: alert.resolvedAt.map(hours))
            }
            .sorted { ($0.beach, $0.start) < ($1.beach, $1.start) }
    }

    func hours(_ time: Timestamp) -> Double { time.seconds(since: t.origin) / 3_600 }

    /// A reading observed at `hours` and received at `received` hours.
    func late(_ reading: Reading, receivedAt received: Double) -> Reading {
        var reading = reading
        reading.received = t.at(received)
        return reading
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Bursts as they arrive: the hour received, whether a new broker session began just before (the
        /// daemon was away: the burst is the session's backlog), readings as (outfall, state, hour observed).
        var bursts: [(received: Double, reconnected: Bool, readings: [(String, OverflowState, Double)])]
        var expected: [Window]
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "backlog after an outage: two one-hour spills 73 h apart are two alerts",
            bursts: [
                (
                    200, true,
                    [("o2", .discharging, 0), ("o2", .stopped, 1), ("o2", .discharging, 74), ("o2", .stopped, 75)]
                )
            ],
            expected: [Window(beach: "b", start: 0, end: 49), Window(beach: "b", start: 74, end: 123)]),
        Case(
            name: "a spill inside the hold, delivered in a later backlog, merges",
            bursts: [
                (1, false, [("o2", .discharging, 0), ("o2", .stopped, 1)]),
                (100, true, [("o2", .discharging, 20), ("o2", .stopped, 21)]),
            ],
            expected: [Window(beach: "b", start: 0, end: 69)]),
        Case(
            name: "late reports of another outfall of the beach merge into its alert and move its hold",
            bursts: [
                (1, false, [("o1", .discharging, 0), ("o1", .stopped, 1)]),
                (40, false, [("o2", .discharging, 30), ("o2", .stopped, 31)]),
            ],
            expected: [
                Window(beach: "a", start: 0, end: 49), Window(beach: "b", start: 0, end: 79),
            ]),
        Case(
            name: "outfalls interleaved out of order in one burst apply in observation order",
            bursts: [
                (
                    300, true,
                    [("o2", .discharging, 60), ("o1", .discharging, 0), ("o2", .stopped, 61), ("o1", .stopped, 1)]
                )
            ],
            expected: [
                Window(beach: "a", start: 0, end: 49), Window(beach: "b", start: 0, end: 49),
                Window(beach: "b", start: 60, end: 109),
            ]),
        Case(
            name: "a stop arriving after its hold would have ended resolves at stop + hold",
            bursts: [(0, false, [("o2", .discharging, 0)]), (60, false, [("o2", .stopped, 1)])],
            expected: [Window(beach: "b", start: 0, end: 49)]),
        Case(
            name: "a report older than the outfall's latest is late and changes nothing",
            bursts: [
                (2, false, [("o2", .discharging, 0), ("o2", .stopped, 2)]), (3, false, [("o2", .discharging, 1)]),
            ],
            expected: [Window(beach: "b", start: 0, end: 50)]),
    ]

    @Test(arguments: cases)
    func backlogsAndLateReportsGiveTheAlertsTheirTimesImply(_ example: Case) {
        var engine = AlertEngine(policy: t.policy())
        var transitions: [AlertTransition] = []
        var session = t.at(-1)
        for burst in example.bursts {
            if burst.reconnected { session = t.at(burst.received).adding(seconds: -2) }
            // The wall clock ticks as the burst arrives, before and after it.
            transitions += engine.advance(wallClock: t.at(burst.received), sessionSince: session)
            transitions += engine.apply(
                burst.readings.map { late(t.outfall($0.0, $0.1, $0.2), receivedAt: burst.received) })
            transitions += engine.advance(wallClock: t.at(burst.received), sessionSince: session)
        }
        // Long after, once every subject has been quiet: everything due has resolved.
        transitions += engine.advance(wallClock: t.at(1_000), sessionSince: session)
        #expect(windows(transitions, engine) == example.expected.sorted { ($0.beach, $0.start) < ($1.beach, $1.start) })
        #expect(engine.openAlerts.isEmpty)
        // Every transition carries the time the data imply, never the wall clock's.
        #expect(transitions.allSatisfy { $0.at <= t.at(200) })
    }

    @Test func aReadingOlderThanItsSubjectsLatestIsLate() {
        var engine = AlertEngine(policy: t.policy())
        _ = engine.apply([t.outfall("o1", .discharging, 0), t.outfall("o1", .stopped, 2)])
        #expect(engine.isLate(t.outfall("o1", .discharging, 1)))
        #expect(!engine.isLate(t.outfall("o1", .stopped, 2)))  // a redelivery of the latest
        #expect(!engine.isLate(t.outfall("o2", .discharging, 1)))  // another subject has its own time
    }

    @Test func theWallClockWaitsForABacklogAfterAReconnectionBeforeEndingAHold() {
        var engine = AlertEngine(policy: t.policy())
        _ = engine.apply([t.outfall("o2", .discharging, 0), t.outfall("o2", .stopped, 1)])
        // Live data: the hold ends by the wall clock at once.
        var live = engine
        #expect(live.advance(wallClock: t.at(49.001), sessionSince: t.at(-1)).map(\.kind) == [.resolved])
        // The daemon was away; a new session began at hour 100. The backlog may hold a spill inside the hold,
        // so the wall clock leaves the outfall alone until it has been quiet for 30 s…
        let session = t.at(100)
        #expect(engine.advance(wallClock: session.adding(seconds: 5), sessionSince: session).isEmpty)
        #expect(engine.advance(wallClock: t.at(101), sessionSince: nil).isEmpty)  // no session: nothing moves
        // …and the backlog's spill at hour 20 merges instead of opening a second alert.
        let backlog = engine.apply([late(t.outfall("o2", .discharging, 20), receivedAt: 100.002)])
        #expect(backlog.map(\.kind) == [.updated])
        _ = engine.apply([late(t.outfall("o2", .stopped, 21), receivedAt: 100.002)])
        #expect(engine.advance(wallClock: session.adding(seconds: 20), sessionSince: session).isEmpty)
        let resolved = engine.advance(wallClock: session.adding(seconds: 60), sessionSince: session)
        #expect(resolved.map(\.kind) == [.resolved])
        #expect(resolved.first?.at == t.at(69))
    }

    @Test func aConditionReportedAfterItsFingerprintsAlertResolvedStartsWhereThatAlertEnded() {
        var engine = AlertEngine(policy: t.policy())
        _ = engine.apply([t.outfall("o1", .discharging, 0), t.outfall("o1", .stopped, 1)])
        _ = engine.advance(to: t.at(60))
        // o2 had spilled at hour 30 (inside b's hold, which the clock already ended at 49): its report comes now.
        let reported = engine.apply([late(t.outfall("o2", .discharging, 30), receivedAt: 61)])
        let alert = try! #require(reported.first?.alert)
        #expect(alert.startedAt == t.at(49))
        #expect(alert.summary.contains("reported late"))
        _ = engine.apply([late(t.outfall("o2", .stopped, 31), receivedAt: 61)])
        let windows = windows(engine.advance(to: t.at(200)), engine)
        #expect(windows == [Window(beach: "b", start: 49, end: 79)])
    }

    /// Random spills, stops and rain on two outfalls and a gauge, delivered live (each reading as it is
    /// observed, the clock ticking every quarter hour) and as one backlog long after: the same alerts.
    @Test(arguments: 1...12)
    func aBacklogGivesWhatLiveOperationGave(seed: UInt64) {
        var generator = SeededGenerator(seed: seed)
        var readings: [Reading] = []
        var discharging = ["o1": false, "o2": false]
        var hour = 0.0
        while hour < 24 * 30 {
            hour += Double.random(in: 0.25...40, using: &generator)
            if Bool.random(using: &generator) {
                let outfall = Bool.random(using: &generator) ? "o1" : "o2"
                discharging[outfall]!.toggle()
                readings.append(t.outfall(outfall, discharging[outfall]! ? .discharging : .stopped, hour))
            } else {
                readings.append(t.rain("g", Double.random(in: 0...15, using: &generator).rounded(), hour))
            }
        }
        let end = hour + 200
        let session = t.at(-1)

        var live = AlertEngine(policy: t.policy())
        var liveTransitions: [AlertTransition] = []
        var clock = 0.0
        for reading in readings {
            let at = hours(reading.time)
            while clock + 0.25 < at {
                clock += 0.25
                liveTransitions += live.advance(wallClock: t.at(clock), sessionSince: session)
            }
            liveTransitions += live.apply([reading])
        }
        liveTransitions += live.advance(wallClock: t.at(end), sessionSince: session)

        var backlog = AlertEngine(policy: t.policy())
        let arrived = readings.map { late($0, receivedAt: end) }
        var backlogTransitions = backlog.advance(wallClock: t.at(end), sessionSince: t.at(end))
        // In bursts of up to 50, as a broker delivers a queue.
        for start in stride(from: 0, to: arrived.count, by: 50) {
            backlogTransitions += backlog.apply(Array(arrived[start..<min(start + 50, arrived.count)]))
        }
        backlogTransitions += backlog.advance(wallClock: t.at(end + 1), sessionSince: t.at(end))

        func history(_ transitions: [AlertTransition]) -> [String] {
            var latest: [Int64: Alert] = [:]
            for transition in transitions { latest[transition.alert.id] = transition.alert }
            return latest.values.map {
                "\($0.fingerprint) \($0.startedAt.milliseconds)–\($0.resolvedAt?.milliseconds ?? -1) spills \($0.spills)"
            }.sorted()
        }
        #expect(history(backlogTransitions) == history(liveTransitions))
        #expect(!history(liveTransitions).isEmpty)
    }
}
