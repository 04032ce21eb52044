import Beaches
import FeedCore
import Foundation
import Logging
import Synchronization

/// Why an operator's action on an alert or beach was refused.
public enum AlertActionError: Error, Sendable, Equatable {
    /// No alert has this id.
    case noSuchAlert(Int64)
    /// The alert has resolved: there is nothing left to acknowledge or silence (its history keeps what was done
    /// while it was open).
    case resolved(Int64)
}

/// The alert engine with its outputs: every step is journalled (SQLite), then logged (JSON Lines), then
/// streamed to subscribers, in sequence order, under one lock, so the three never disagree on the order.
///
/// Called on the ingest thread after each burst's commit (before the burst is acknowledged: a crash between
/// the two redelivers the burst, and the engine's idempotence absorbs it), and by a ticking service for the
/// clock.
public final class AlertCenter: Sendable {
    private struct Inner: ~Copyable {
        var engine: AlertEngine
        let journal: AlertJournal
        let log: AlertLog
        var overrides: [String: BeachOverride]
        var subscribers: [Int: AlertSubscription] = [:]
        var nextSubscriber = 0
        /// Set by `finishSubscribers()`: a feed still catching up ends when it would join.
        var finished = false
        /// The last sequence on disk in the log; the journal is ahead while the log cannot be written.
        var loggedThrough: Int64
        var logFailure: AlertLogHealth.Failure?
        var logWriteFailures = 0
        /// When watermarks and `lastHeard`s were last journalled (they wait at most ``deferredFlushInterval``).
        var deferredFlushedAt = ContinuousClock.now
    }

    /// How long watermark and `lastHeard` changes may wait for a step that journals them: every reading of a
    /// subject moves them, and writing them per reading made the journal the largest cost of a large city.
    static let deferredFlushInterval = Duration.seconds(5)

    private let inner: Mutex<Inner>
    /// Bumped (under `inner`'s lock, once the change is journalled) by every change anyone reading the center
    /// could see: steps and orders. Read without the lock, so that pollers checking their snapshot's version
    /// never wait for a step's fsync.
    private let changes = Atomic<Int64>(0)
    private let logger: Logger
    /// How many steps a subscriber may fall behind before its stream ends (it then resumes from the journal
    /// with `Last-Event-ID`).
    private let subscriberBuffer: Int
    /// Subscribers ended for falling behind, since start.
    private let slowSubscribersEnded = Atomic<Int>(0)

    /// The metrics that interest the stream: which metric values feed the engine.
    public static let relevantMetrics: Set<Metric> = [.overflowState, .ecoli, .enterococci, .rainMillimetres]

    /// Opens (or creates) the journal and the log; restores the engine; writes to the log whatever the
    /// journal holds beyond what the log is known to hold (a crash, or a disk that was full). Refuses a
    /// damaged journal and a log that cannot be opened; a log that cannot be written to yet is reported
    /// (`logHealth`) and caught up as soon as it can be.
    public init(
        policy: AlertPolicy, journalPath: String, logPath: String, synchronousFull: Bool = true,
        subscriberBuffer: Int = 256, logger: Logger
    ) throws {
        let journal = try AlertJournal(path: journalPath, synchronousFull: synchronousFull)
        let state = try journal.engineState() ?? EngineState()
        let log = try AlertLog(path: logPath)
        if log.repairedBytes > 0 {
            logger.warning(
                "alert log: cut off a torn last line; the journal fills it in",
                metadata: ["alert_log.path": "\(logPath)", "alert_log.bytes_cut": "\(log.repairedBytes)"])
        }
        // What the log holds: at least what the journal last knew was on disk, and whatever complete line
        // the file ends with (written after that mark). A file that is empty because logrotate just made it
        // holds nothing new, and the history before the mark is in the rotated files. A journal from before
        // the mark existed: the file's last line, or (an empty file) everything, as then.
        let inFile = AlertLog.lastSequence(path: logPath)
        let loggedThrough = max(try journal.loggedThrough() ?? inFile ?? state.lastSequence, inFile ?? 0)
        inner = Mutex(
            Inner(
                engine: AlertEngine(policy: policy, state: state), journal: journal, log: log,
                overrides: try journal.overrides(), loggedThrough: loggedThrough))
        self.logger = logger
        self.subscriberBuffer = subscriberBuffer
        inner.withLock { catchUpLog(&$0, now: .now) }
    }

    // MARK: The log

    /// Brings the log up to the journal, then writes `transitions` (already journalled) to it; on failure,
    /// records it (the journal keeps everything; the next step or `retryLog()` tries again).
    private func catchUpLog(_ inner: inout Inner, with transitions: [AlertTransition] = [], now: Timestamp) {
        do {
            var after = inner.loggedThrough
            let first = transitions.first?.sequence ?? (inner.engine.state.lastSequence + 1)
            while after < first - 1 {
                let missing = try inner.journal.transitions(after: after, limit: 1_000).filter { $0.sequence < first }
                guard let last = missing.last else { break }
                try inner.log.append(missing.map { TransitionRecord($0).jsonLine })
                after = last.sequence
                inner.loggedThrough = after
            }
            let pending = transitions.filter { $0.sequence > inner.loggedThrough }
            if let last = pending.last {
                try inner.log.append(pending.map { TransitionRecord($0).jsonLine })
                inner.loggedThrough = last.sequence
            }
            if let failure = inner.logFailure {
                inner.logFailure = nil
                logger.notice(
                    "alert log writable again; caught up from the journal",
                    metadata: [
                        "alert_log.path": "\(inner.log.path)", "alert_log.failing_since": "\(failure.since.iso8601)",
                    ])
            }
        } catch {
            inner.logWriteFailures += 1
            if inner.logFailure == nil {
                // Once per outage: every step would say the same.
                logger.error(
                    "alert log write failed; transitions stay in the journal and are logged once it can be written",
                    metadata: ["alert_log.path": "\(inner.log.path)", "error": "\(error)"])
            }
            inner.logFailure = .init(since: inner.logFailure?.since ?? now, problem: "\(error)")
        }
    }

    /// Tries again to bring a failing log up to the journal (a disk that had filled has room again). The file
    /// is reopened first: it may have been replaced or removed while it failed.
    public func retryLog() {
        inner.withLock { inner in
            guard inner.logFailure != nil || inner.loggedThrough < inner.engine.state.lastSequence else { return }
            if inner.logFailure != nil { try? inner.log.reopen() }
            catchUpLog(&inner, now: .now)
        }
    }

    /// Whether the log is being written, and how far it is behind the journal.
    public var logHealth: AlertLogHealth {
        inner.withLock { inner in
            AlertLogHealth(
                path: inner.log.path, loggedThrough: inner.loggedThrough, journalled: inner.engine.state.lastSequence,
                failure: inner.logFailure, writeFailures: inner.logWriteFailures)
        }
    }

    // MARK: Input

    /// Feeds accepted readings to the engine; readings of other metrics are skipped without taking the lock.
    public func ingest(_ readings: [Reading]) throws {
        let relevant = readings.filter { Self.relevantMetrics.contains($0.metric) }
        guard !relevant.isEmpty else { return }
        try step { engine in engine.apply(relevant) }
    }

    /// Moves every subject to `time`, for data known complete up to it (a replay in time order).
    public func advance(to time: Timestamp) throws {
        try step { engine in engine.advance(to: time) }
    }

    /// Moves the subjects whose data are live to the wall clock's `now` (holds running out, pending alerts
    /// firing); see ``AlertEngine/advance(wallClock:sessionSince:)``.
    public func advance(wallClock now: Timestamp, sessionSince: Timestamp?) throws {
        try step { engine in engine.advance(wallClock: now, sessionSince: sessionSince) }
    }

    /// Records that an operator has seen the alert. It never clears it.
    public func acknowledge(id: Int64, note: OperatorNote) throws -> Alert {
        try act(on: id, openOnly: true) { engine, alert in engine.acknowledge(alert, note: note) }
    }

    /// Stops notifications of the alert until `until`; the alert itself runs its course.
    public func silence(id: Int64, until: Timestamp, note: OperatorNote) throws -> Alert {
        try act(on: id, openOnly: true) { engine, alert in engine.silence(alert, until: until, note: note) }
    }

    /// Marks a discharge alert as not genuine; what follows depends on `NotGenuinePolicy`.
    public func markNotGenuine(id: Int64, note: OperatorNote) throws -> Alert {
        try act(on: id) { engine, alert in engine.markNotGenuine(alert, note: note) }
    }

    /// Closes or reopens a beach by municipal order; `nil` lifts the order in force.
    public func setOverride(_ override: BeachOverride?, beach: String, at time: Timestamp) throws {
        try inner.withLock { inner in
            try inner.journal.setOverride(override, beach: beach, at: time)
            inner.overrides[beach] = override
            changes.add(1, ordering: .releasing)
        }
        logger.notice(
            override.map { "beach \(beach): municipal order to \($0.action.rawValue)" }
                ?? "beach \(beach): order lifted",
            metadata: [
                "beach": "\(beach)", "author": "\(override?.author ?? "")", "reason": "\(override?.reason ?? "")",
            ])
    }

    /// Applies a reloaded configuration's rules; beaches newly linked to a discharge are warned at once.
    public func replacePolicy(_ policy: AlertPolicy) throws {
        try step { engine in engine.replacePolicy(policy) }
    }

    /// Reopens the log file (SIGHUP, after logrotate moved it).
    public func reopenLog() throws {
        try inner.withLock { inner in
            try inner.log.reopen()
            catchUpLog(&inner, now: .now)
        }
    }

    // MARK: Reading

    /// Alerts open now, oldest first.
    public var openAlerts: [Alert] { inner.withLock { $0.engine.openAlerts } }

    /// Alerts open now that concern any of `beaches`, oldest first (a page of beaches needs only theirs).
    public func openAlerts(concerning beaches: Set<String>) -> [Alert] {
        inner.withLock { $0.engine.openAlerts(concerning: beaches) }
    }

    /// The outfall's condition as it bears on `beach` now: discharging, recently stopped within the beach's hold, offline or clear.
    public func condition(ofOutfall id: SensorID, forBeach beach: String) -> OutfallCondition {
        inner.withLock { $0.engine.condition(ofOutfall: id, forBeach: beach) }
    }

    /// The open alert with this fingerprint, if any.
    public func openAlert(_ fingerprint: AlertFingerprint) -> Alert? {
        inner.withLock { $0.engine.openAlert(fingerprint) }
    }

    /// The municipal order last recorded for `beach` (it may have lapsed: see `BeachOverride.isActive(at:)`).
    public func override(of beach: String) -> BeachOverride? {
        inner.withLock { $0.overrides[beach] }
    }

    /// The E. coli and enterococci samples the engine last graded for `beach`.
    public func samples(of beach: String) -> ProbeSamples? {
        inner.withLock { $0.engine.state.samples[beach] }
    }

    /// The sequence of the latest journalled transition (0 before the first).
    public var lastSequence: Int64 { inner.withLock { $0.engine.state.lastSequence } }

    /// Changes whenever alerts, the engine's view of outfalls and samples, or municipal orders change.
    public var revision: Int64 { changes.load(ordering: .acquiring) }

    /// Alerts from the journal that `filter` selects, newest first.
    public func alerts(_ filter: AlertFilter) throws -> [Alert] {
        try inner.withLock { try $0.journal.alerts(filter) }
    }

    /// One alert as it stands, with every transition it went through, oldest first.
    public func alert(id: Int64) throws -> (alert: Alert, transitions: [AlertTransition])? {
        try inner.withLock { inner in
            guard let alert = try inner.journal.alert(id: id) else { return nil }
            return (alert, try inner.journal.transitions(after: 0, alertID: id, limit: 10_000))
        }
    }

    /// The alert of `fingerprint` that started at `start` (the latest, should there be several): how another
    /// instance of a pair names an alert, whose ids are its own.
    public func alert(_ fingerprint: AlertFingerprint, startedAt start: Timestamp) throws -> Alert? {
        try inner.withLock { inner in
            if let open = inner.engine.openAlerts.first(where: {
                $0.fingerprint == fingerprint && $0.startedAt == start
            }) {
                return open
            }
            return try inner.journal.alert(fingerprint, startedAt: start)
        }
    }

    /// The alerts open at `time`, as they stood then: what the daemon showed at that instant.
    public func alerts(openAt time: Timestamp) throws -> [Alert] {
        try inner.withLock { try $0.journal.alerts(openAt: time) }
    }

    /// The municipal order in force for `beach` at `time`.
    public func override(of beach: String, at time: Timestamp) throws -> BeachOverride? {
        try inner.withLock { try $0.journal.override(of: beach, at: time) }
    }

    /// Journalled transitions after `sequence`, oldest first, at most `limit`: a page of a resume.
    public func transitions(after sequence: Int64, limit: Int) throws -> [AlertTransition] {
        try inner.withLock { try $0.journal.transitions(after: sequence, limit: limit) }
    }

    // MARK: Streaming

    /// Every transition after `sequence` (paged from the journal as the reader asks), then each new one as it
    /// happens, with no gap and no repeat; live only when `sequence` is `nil`. The feed ends if its reader
    /// falls `subscriberBuffer` steps behind (`AlertStreamEnd.tooSlow`), or on `finishSubscribers()`.
    public func subscribe(after sequence: Int64?) -> AlertFeed {
        let subscription = AlertSubscription(limit: subscriberBuffer)
        if sequence == nil { inner.withLock { join(subscription, &$0) } }
        return AlertFeed(center: self, after: sequence, subscription: subscription)
    }

    /// A subscription handed each step as it happens: `sink` gets it under the center's lock and must not
    /// wait (it hands the step on, to an event loop say, and calls `written()` once it is out); `onEnd` learns
    /// why it ended. With `after`, the subscriber first pages through the journal with `catchUp`; without,
    /// it is live at once.
    public func subscribe(
        after sequence: Int64?, sink: @escaping @Sendable (QueuedEvent) -> Void,
        onEnd: @escaping @Sendable (AlertStreamEnd) -> Void
    ) -> AlertSubscription {
        let subscription = AlertSubscription(limit: subscriberBuffer, sink: sink, onEnd: onEnd)
        if sequence == nil { inner.withLock { join(subscription, &$0) } }
        return subscription
    }

    /// For a subscription made with a sink: the next page of what it missed after `sequence`, or, when there
    /// is none, `[]` and it is live from now on, with no gap.
    public func catchUp(
        _ subscription: AlertSubscription, after sequence: Int64, limit: Int
    ) throws -> [AlertTransition] {
        try page(after: sequence, limit: limit, orJoin: subscription)
    }

    /// The next page of the journal after `sequence`; when there is none, joins `subscription` to the live
    /// subscribers under the same lock that steps take, so no transition falls between the two.
    func page(after sequence: Int64, limit: Int, orJoin subscription: AlertSubscription) throws -> [AlertTransition] {
        try inner.withLock { inner in
            let page = try inner.journal.transitions(after: sequence, limit: limit)
            if page.isEmpty { join(subscription, &inner) }
            return page
        }
    }

    private func join(_ subscription: AlertSubscription, _ inner: inout Inner) {
        guard !inner.finished else {
            subscription.end(.shutdown)
            return
        }
        let id = inner.nextSubscriber
        inner.nextSubscriber += 1
        // No `onTermination` taking our lock: it runs inside the consumer task's cancellation, under that
        // task's status lock, while a step yielding to the same task under our lock waits for that status
        // lock: a deadlock. A subscriber gone is dropped at the next delivery instead.
        inner.subscribers[id] = subscription
    }

    /// Live subscribers now.
    public var subscriberCount: Int { inner.withLock { $0.subscribers.count } }

    /// Subscribers ended since start because they fell too far behind.
    public var subscribersEndedTooSlow: Int { slowSubscribersEnded.load(ordering: .relaxed) }

    /// Ends every stream (graceful shutdown: an open SSE response must not hold the server up).
    public func finishSubscribers() {
        let subscriptions = inner.withLock { inner in
            inner.finished = true
            defer { inner.subscribers.removeAll() }
            return Array(inner.subscribers.values)
        }
        for subscription in subscriptions { subscription.end(.shutdown) }
    }

    /// Ends every subscription and closes the journal and the log; used once, at shutdown.
    public func close() {
        finishSubscribers()
        inner.withLock { inner in
            // Watermarks and lastHeards still waiting are journalled now.
            if inner.engine.hasDeferredChanges { _ = try? inner.journal.record([], changesOf: inner.engine.state) }
            // The exact mark, so that a log rotated while the daemon is stopped is not refilled with the last step.
            try? inner.journal.setLoggedThrough(inner.loggedThrough)
            inner.journal.close()
            inner.log.close()
        }
    }

    // MARK: Steps

    /// Runs an operator's action on alert `id`; `openOnly`: refused once the alert has resolved.
    private func act(
        on id: Int64, openOnly: Bool = false, _ body: (inout AlertEngine, Alert) -> [AlertTransition]
    ) throws -> Alert {
        var result: Alert?
        try stepReadingJournal { engine, journal in
            guard let alert = try engine.openAlerts.first(where: { $0.id == id }) ?? journal.alert(id: id) else {
                throw AlertActionError.noSuchAlert(id)
            }
            if openOnly && !alert.isOpen { throw AlertActionError.resolved(id) }
            let transitions = body(&engine, alert)
            result = transitions.last(where: { $0.alert.id == id })?.alert
            return transitions
        }
        guard let result else { throw AlertActionError.noSuchAlert(id) }
        return result
    }

    private func step(_ body: (inout AlertEngine) throws -> [AlertTransition]) throws {
        try stepReadingJournal { engine, _ in try body(&engine) }
    }

    /// Runs one engine step and, if it changed anything, journals, logs and streams it. If the journal
    /// refuses the step, the engine goes back to its state before it, so memory never runs ahead of the file.
    private func stepReadingJournal(_ body: (inout AlertEngine, AlertJournal) throws -> [AlertTransition]) throws {
        let transitions = try inner.withLock { inner -> [AlertTransition] in
            let start = inner.engine.checkpoint()
            let recorded = Timestamp.now
            let lateAfter = inner.engine.policy.catchUp.lateAfterSeconds
            let transitions: [AlertTransition]
            do {
                transitions = try body(&inner.engine, inner.journal).map { transition in
                    var transition = transition
                    transition.recordedAt = recorded
                    transition.late = recorded.seconds(since: transition.at) > lateAfter
                    return transition
                }
            } catch {
                inner.engine.rollBack(to: start)
                throw error
            }
            guard inner.engine.hasEssentialChanges(since: start) || !transitions.isEmpty else {
                // Only watermarks and lastHeards moved (or nothing): they wait for a later step, at most a few
                // seconds.
                let due = ContinuousClock.now - inner.deferredFlushedAt >= Self.deferredFlushInterval
                guard due, inner.engine.hasDeferredChanges else {
                    inner.engine.commit(keepingDeferred: true)
                    return []
                }
                do {
                    try inner.journal.record([], changesOf: inner.engine.state)
                } catch {
                    inner.engine.rollBack(to: start)
                    throw error
                }
                inner.engine.commit()
                inner.deferredFlushedAt = .now
                return []
            }
            // The watermarks and lastHeards that wait go along only when they are due.
            let due = ContinuousClock.now - inner.deferredFlushedAt >= Self.deferredFlushInterval
            let journalled: [AlertTransition]
            do {
                journalled = try inner.journal.record(
                    transitions, changesOf: inner.engine.state, deferred: due, loggedThrough: inner.loggedThrough)
            } catch {
                inner.engine.rollBack(to: start)
                throw error
            }
            inner.engine.commit(keepingDeferred: !due)
            if due { inner.deferredFlushedAt = .now }
            changes.add(1, ordering: .releasing)
            catchUpLog(&inner, with: journalled, now: recorded)
            if !journalled.isEmpty {
                let shared = QueuedEvent.Shared(journalled)
                for (id, subscription) in inner.subscribers where !subscription.deliver(.transitions(shared)) {
                    if subscription.endReason != nil { slowSubscribersEnded.add(1, ordering: .relaxed) }
                    inner.subscribers[id] = nil
                }
            }
            return journalled
        }
        for transition in transitions {
            logger.notice(
                "alert \(transition.kind.rawValue): \(transition.alert.summary)",
                metadata: [
                    "alert.id": "\(transition.alert.id)", "alert.fingerprint": "\(transition.alert.fingerprint)",
                    "alert.sequence": "\(transition.sequence)", "alert.step": "\(transition.step ?? 0)",
                    "alert.note": "\(transition.note)",
                ])
        }
    }
}
