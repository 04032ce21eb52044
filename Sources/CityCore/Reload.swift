import Alerts
import FeedCore
import Foundation
import Ingest
import Logging
import Synchronization
import TimeSeries

/// A value replaced as a whole when the configuration is reloaded, read by many.
package final class Reloadable<Value: Sendable>: Sendable {
    private let storage: Mutex<Value>
    private let replacements = Atomic<Int64>(0)

    /// Holds `value` until replaced.
    package init(_ value: Value) {
        storage = Mutex(value)
    }

    /// The current value.
    package var value: Value { storage.withLock { $0 } }

    /// How many times the value was replaced: what was derived from an earlier one is out of date. Read
    /// without copying the value (pollers check it on every request).
    package var generation: Int64 { replacements.load(ordering: .acquiring) }

    func replace(_ value: Value) {
        storage.withLock { $0 = value }
        replacements.add(1, ordering: .releasing)
    }
}

/// When the configuration was last loaded, and why the last reload was refused, if it was.
package struct ReloadRecord: Sendable, Encodable {
    /// When the configuration running now was loaded.
    package var loadedAt: String
    /// Reloads applied since start.
    package var reloads = 0
    /// Why the last reload was refused, if it was.
    package var lastError: String?

    /// A record of the configuration loaded at `loadedAt`.
    package init(loadedAt: String, lastError: String? = nil) {
        self.loadedAt = loadedAt
        self.lastError = lastError
    }

    enum CodingKeys: String, CodingKey {
        case reloads
        case loadedAt = "loaded_at"
        case lastError = "last_error"
    }
}

extension DaemonConfiguration {
    /// `next` as it can be applied to a running daemon: what only a restart can change (the broker and its
    /// session, the HTTP listener, storage, the alert log and the status topic) is kept from `self`, and
    /// named in the second result. Sections are compared whole, as the values their modules checked.
    func reloaded(with next: DaemonConfiguration) -> (applied: DaemonConfiguration, needsRestart: [String]) {
        var applied = next
        var needsRestart: [String] = []
        // Whole sections that belong to the process (the broker session, where it listens, the store) are
        // compared as values; a change in one is kept for the next restart and named.
        if next.mqtt != mqtt {
            needsRestart.append("[mqtt]")
            applied.mqtt = mqtt
        }
        var listener = next.http
        listener.operatorToken = http.operatorToken
        if listener != http {
            needsRestart.append("[http] (all but operator_token)")
        }
        // The operator token is read per request: it changes at once.
        applied.http = http
        applied.http.operatorToken = next.http.operatorToken
        if next.storage != storage {
            needsRestart.append("[storage]")
            applied.storage = storage
        }
        if next.alerts.logPath != alerts.logPath {
            needsRestart.append("alerts.log_file")
            applied.alerts.logPath = alerts.logPath
        }
        if next.alerts.statusTopic != alerts.statusTopic {
            needsRestart.append("alerts.status_topic")
            applied.alerts.statusTopic = alerts.statusTopic
        }
        let subscribed = Set(
            IngestPipeline(routes: ingest.routes, sensors: [], aliases: [:], policy: ingest.policy).subscriptionFilters)
        let wanted = Set(
            IngestPipeline(routes: next.ingest.routes, sensors: [], aliases: [:], policy: next.ingest.policy)
                .subscriptionFilters)
        if subscribed != wanted { needsRestart.append("topic subscriptions (routes)") }
        return (applied, needsRestart)
    }
}

/// Applies a configuration file again (SIGHUP): sensors, car parks, beaches, outfalls, thresholds, routes and
/// alert rules change in place, without losing any state; an invalid file changes nothing.
package struct ConfigurationReloader: Sendable {
    let path: String
    let overrides: ConfigurationOverrides
    let status: Reloadable<CityStatus>
    let pipeline: Reloadable<IngestPipeline>
    let statistics: IngestStatistics
    let record: Reloadable<ReloadRecord>
    let logger: Logger

    /// Reloads from `path` with `overrides` into these holders.
    package init(
        path: String, overrides: ConfigurationOverrides, status: Reloadable<CityStatus>,
        pipeline: Reloadable<IngestPipeline>, statistics: IngestStatistics, record: Reloadable<ReloadRecord>,
        logger: Logger
    ) {
        self.path = path
        self.overrides = overrides
        self.status = status
        self.pipeline = pipeline
        self.statistics = statistics
        self.record = record
        self.logger = logger
    }

    /// `true` if the new configuration was applied.
    @discardableResult
    func reload() -> Bool {
        let next: DaemonConfiguration
        do {
            next = try DaemonConfiguration.load(path: path, overrides: overrides)
        } catch {
            logger.error(
                "configuration reload refused; still running on the previous configuration",
                metadata: ["config.path": "\(path)", "config.problems": "\(error)"])
            var record = self.record.value
            record.lastError = "\(error)"
            self.record.replace(record)
            return false
        }
        let current = status.value
        let (applied, needsRestart) = current.configuration.reloaded(with: next)
        for key in needsRestart {
            logger.warning("configuration reload: \(key) changed; it takes effect at the next restart")
        }
        // The alert rules first: if the journal refuses the alerts a new link raises, nothing is applied.
        do {
            try current.alerts.replacePolicy(applied.alertPolicy)
        } catch {
            logger.error(
                "configuration reload refused: the alert journal could not record it; still running on the previous configuration",
                metadata: ["error": "\(error)"])
            var record = self.record.value
            record.lastError = "alert journal: \(error)"
            self.record.replace(record)
            return false
        }
        pipeline.replace(
            IngestPipeline(
                routes: applied.ingest.routes, sensors: applied.sensorSpecs, aliases: applied.ingest.aliases,
                policy: applied.ingest.policy))
        statistics.labelSensors(Set(applied.sensorSpecs.map(\.id)))
        status.replace(CityStatus(configuration: applied, store: current.store, alerts: current.alerts))
        var record = self.record.value
        record.loadedAt = Timestamp.now.iso8601
        record.reloads += 1
        record.lastError = nil
        self.record.replace(record)
        logger.notice(
            "configuration reloaded",
            metadata: [
                "config.path": "\(path)", "car_parks": "\(applied.carParks.count)",
                "beaches": "\(applied.beaches.count)",
                "outfalls": "\(applied.outfalls.count)",
            ])
        return true
    }
}
