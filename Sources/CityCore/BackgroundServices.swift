import FeedCore
import Logging
import Parking
import ServiceLifecycle
import Synchronization
import TimeSeries

/// Enforces the store's retention every `interval`, off the ingest thread; a failure is logged and retried at
/// the next run.
package struct MaintenanceService: Service {
    let store: SeriesStore
    let policy: RetentionPolicy
    let interval: Duration
    let logger: Logger

    /// Applies `policy` at start and every `interval`.
    package init(store: SeriesStore, policy: RetentionPolicy, interval: Duration, logger: Logger) {
        self.store = store
        self.policy = policy
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                let report = try store.enforceRetention(policy, now: .now)
                if report.deletedByAge + report.deletedForSize > 0 {
                    logger.notice(
                        "retention applied",
                        metadata: [
                            "store.deleted_by_age": "\(report.deletedByAge)",
                            "store.deleted_for_size": "\(report.deletedForSize)",
                            "store.used_bytes": "\(report.usedBytes)",
                        ])
                }
            } catch {
                logger.error("retention failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Compacts the store's complete hours into chunks every `interval`, off the ingest thread (a span per
/// transaction, so commits wait at most one span's compaction); a failure is logged and retried.
package struct CompactionService: Service {
    let store: SeriesStore
    let interval: Duration
    let logger: Logger

    /// Compacts at start and every `interval`.
    package init(store: SeriesStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await repeatUntilShutdown(every: interval) {
            do {
                // A graceful shutdown cancels this task: it stops after the span in progress.
                let moved = try store.compact(while: { !Task.isCancelled })
                if moved > 0 { logger.debug("store compacted", metadata: ["store.readings_compacted": "\(moved)"]) }
            } catch {
                logger.error("store compaction failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Runs `body` at once and then every `interval` until graceful shutdown, which cancels the sleep in between
/// (an hour-long sleep must not hold up a SIGTERM).
func repeatUntilShutdown(every interval: Duration, _ body: @escaping @Sendable () async -> Void) async {
    try? await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            await body()
            try await Task.sleep(for: interval)
        }
    }
}

/// Writes each entry/exit counter's calibration events (snaps back into [0, capacity]) to the log once, as
/// operators expect to find them there; checked every `interval`. After a restart the day's events may be
/// written again once: the log is for people, `/v1/parking/{id}` is the record.
package struct CalibrationLogService: Service {
    let source: Reloadable<CityStatus>
    let interval: Duration
    let logger: Logger

    /// Logs the entry/exit counters' calibrations every `interval`.
    package init(source: Reloadable<CityStatus>, interval: Duration, logger: Logger) {
        self.source = source
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        try? await cancelWhenGracefulShutdown {
            var logged: [String: Timestamp] = [:]
            while !Task.isCancelled {
                let now = Timestamp.now
                let status = source.value
                for carPark in status.configuration.carParks where carPark.balancing != nil {
                    guard let state = status.balancingState(carPark, now: now) else { continue }
                    for event in state.calibrations where event.time > logged[carPark.id] ?? .init(milliseconds: 0) {
                        logger.notice(
                            "counter recalibrated: count left [0, capacity]",
                            metadata: [
                                "parking.id": "\(carPark.id)", "parking.raw_count": "\(event.raw)",
                                "parking.snapped_to": "\(event.snappedTo)", "parking.drift": "\(state.drift)",
                                "time": "\(event.time.iso8601)",
                            ])
                        logged[carPark.id] = event.time
                    }
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

/// What the last integrity check of the store found; `/readyz` and `/metrics` show it.
package final class StoreHealth: Sendable {
    /// One integrity check of the store: when, and what SQLite found.
    package struct Check: Sendable {
        /// When the check ran.
        package var at: Timestamp
        /// SQLite's findings; empty when the file is sound.
        package var problems: [String]
    }

    private let last = Mutex<Check?>(nil)

    /// No check yet.
    package init() {}

    /// The latest check, if one ran.
    package var lastCheck: Check? { last.withLock { $0 } }

    func record(_ check: Check) {
        last.withLock { $0 = check }
    }
}

/// Checks the store's file (`quick_check`) soon after start and then every `interval`, on a connection of its
/// own, so that ingest and reads never wait for it: a store damaged on disk shows in `/readyz`, `/metrics`
/// and the log instead of as failing commits. (The journal, small, is checked before the daemon starts.)
package struct StoreCheckService: Service {
    let store: SeriesStore
    let health: StoreHealth
    let interval: Duration
    let logger: Logger

    /// Checks `store` soon after start and every `interval`, recording into `health`.
    package init(store: SeriesStore, health: StoreHealth, interval: Duration, logger: Logger) {
        self.store = store
        self.health = health
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await repeatUntilShutdown(every: interval) { [store, health, logger] in
            let started = ContinuousClock.now
            let problems: [String]
            do {
                problems = try store.integrityProblems()
            } catch {
                problems = ["the check itself failed: \(error)"]
            }
            health.record(.init(at: .now, problems: problems))
            if problems.isEmpty {
                logger.info("store integrity check passed", metadata: ["duration": "\(ContinuousClock.now - started)"])
            } else {
                logger.critical(
                    "the store is damaged: restore it from a backup (docs/runbook.md)",
                    metadata: ["store.problems": "\(problems.joined(separator: "; ").prefix(500))"])
            }
        }
    }
}
