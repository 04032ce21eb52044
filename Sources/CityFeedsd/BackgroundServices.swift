import FeedCore
import Logging
import Parking
import ServiceLifecycle
import TimeSeries

/// Enforces the store's retention every `interval`, off the ingest thread; a failure is logged and retried at
/// the next run.
struct MaintenanceService: Service {
    let store: SeriesStore
    let policy: RetentionPolicy
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // The hour-long sleep must not hold up a SIGTERM: graceful shutdown cancels it.
        try? await cancelWhenGracefulShutdown {
            try await runEvery()
        }
    }

    private func runEvery() async throws {
        while !Task.isCancelled {
            do {
                let report = try store.enforceRetention(policy, now: .now)
                if report.deletedByAge + report.deletedForSize > 0 {
                    logger.notice(
                        "retention applied",
                        metadata: [
                            "store.deleted_by_age": "\(report.deletedByAge)",
                            "store.deleted_for_size": "\(report.deletedForSize)", "store.used_bytes": "\(report.usedBytes)",
                        ])
                }
            } catch {
                logger.error("retention failed", metadata: ["error": "\(error)"])
            }
            try await Task.sleep(for: interval)
        }
    }
}

/// Writes each entry/exit counter's calibration events (snaps back into [0, capacity]) to the log once, as
/// operators expect to find them there; checked every `interval`. After a restart the day's events may be
/// written again once: the log is for people, `/v1/parking/{id}` is the record.
struct CalibrationLogService: Service {
    let source: Reloadable<CityStatus>
    let interval: Duration
    let logger: Logger

    func run() async throws {
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
