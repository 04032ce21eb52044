import Alerts
import FeedCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// Collects log records, for tests that check what the daemon tells its operators.
final class RecordingLogHandler: LogHandler, Sendable {
    let records = Mutex<[(message: String, metadata: Logger.Metadata)]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        records.withLock { $0.append((event.message.description, event.metadata ?? [:])) }
    }
}

@Suite struct CalibrationLogServiceTests {
    @Test func aSnapIsWrittenToTheLogOnce() async throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-calibration")
        let configuration = try DaemonConfiguration.load(
            path: repositoryRoot.appending(path: "config/biarritz.toml").path,
            overrides: .init(dataDirectory: directory.path))
        let store = try SeriesStore(configuration: .init(path: configuration.databasePath, durability: .normal))
        defer { store.close() }
        // Clemenceau: 25 overnight + 340 in − 3 out overflows its 350 spaces.
        let time = Timestamp.now.adding(seconds: -1)
        _ = try store.append([
            Reading(sensor: "clemenceau", metric: .entries, time: time, value: 340, received: time),
            Reading(sensor: "clemenceau", metric: .exits, time: time, value: 3, received: time),
        ])
        let alerts = try AlertCenter(
            policy: configuration.alertPolicy, journalPath: configuration.alertJournalPath,
            logPath: configuration.alerts.logPath, logger: Logger(label: "test"))
        defer { alerts.close() }
        let handler = RecordingLogHandler()
        let service = CalibrationLogService(
            source: Reloadable(CityStatus(configuration: configuration, store: store, alerts: alerts)),
            interval: .milliseconds(20),
            logger: Logger(label: "test", factory: { _ in handler }))
        let running = Task { try await service.run() }
        try await Task.sleep(for: .milliseconds(300))
        running.cancel()
        try await running.value

        let records = handler.records.withLock { $0 }
        #expect(records.count == 1, "logged once, not at every check")
        #expect(records.first?.metadata["parking.id"] == "clemenceau")
        #expect(records.first?.metadata["parking.raw_count"] == "362")
        #expect(records.first?.metadata["parking.snapped_to"] == "350")
    }
}
