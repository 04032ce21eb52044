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

    package init(_ value: Value) {
        storage = Mutex(value)
    }

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
    var loadedAt: String
    var reloads = 0
    var lastError: String?

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

package extension DaemonConfiguration {
    /// `next` as it can be applied to a running daemon: what only a restart can change (the broker and its
    /// session, the HTTP listener, storage, the alert log and the status topic) is kept from `self`, and
    /// named in the second result.
    func reloaded(with next: DaemonConfiguration) -> (applied: DaemonConfiguration, needsRestart: [String]) {
        var applied = next
        var needsRestart: [String] = []
        func keep<T>(_ key: String, _ path: WritableKeyPath<DaemonConfiguration, T>) {
            if String(describing: self[keyPath: path]) != String(describing: next[keyPath: path]) {
                needsRestart.append(key)
            }
            applied[keyPath: path] = self[keyPath: path]
        }
        keep("mqtt.broker", \.broker)
        keep("mqtt.client_id", \.clientID)
        keep("mqtt.username", \.username)
        keep("mqtt.password", \.password)
        keep("mqtt.tls", \.tls)
        keep("mqtt.max_burst", \.maxBurst)
        keep("http.listen", \.httpHost)
        keep("http.listen", \.httpPort)
        keep("http.max_connections", \.httpMaxConnections)
        keep("storage.data_dir", \.dataDirectory)
        keep("storage.durability", \.durability)
        keep("storage.classes", \.seriesLayout)
        keep("storage retention", \.retention)
        keep("alerts.log_file", \.alerts.logPath)
        keep("alerts.status_topic", \.alerts.statusTopic)
        let subscribed = Set(
            IngestPipeline(routes: routes, sensors: [], aliases: [:], policy: policy).subscriptionFilters)
        let wanted = Set(
            IngestPipeline(routes: next.routes, sensors: [], aliases: [:], policy: next.policy).subscriptionFilters)
        if subscribed != wanted { needsRestart.append("topic subscriptions (routes)") }
        var seen = Set<String>()
        return (applied, needsRestart.filter { seen.insert($0).inserted })
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
                routes: applied.routes, sensors: applied.sensorSpecs, aliases: applied.aliases, policy: applied.policy))
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
