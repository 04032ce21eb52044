import CoreMetrics
import Foundation
import Prometheus
import Synchronization

/// The metrics factory the daemon records through (swift-metrics), on its own Prometheus registry, with a
/// `# HELP` line for every metric it makes: swift-prometheus's own factory writes none, and `promtool check
/// metrics` (what a city's Prometheus runs) refuses a metric without one.
package struct DocumentedMetricsFactory: MetricsFactory {
    /// What each metric the daemon records through swift-metrics counts or measures.
    static let help: [String: String] = [
        "cityfeeds_mqtt_messages_total": "MQTT messages received, by outcome (accepted, rejected, repeated)",
        "cityfeeds_readings_total": "Readings received, by outcome (stored, duplicate)",
        "cityfeeds_readings_late_total":
            "Readings older than what their raw series held in memory (stored all the same)",
        "cityfeeds_ingest_rejections_total": "Messages and readings refused, by reason and configured sensor",
        "cityfeeds_store_commit_seconds": "Time to commit one burst of readings to SQLite (the fsync included)",
        "cityfeeds_operator_actions_total":
            "Operators' writes, by outcome: taken here, shared with the pair or not, and from the pair applied, unchanged or refused",
    ]

    let registry: PrometheusCollectorRegistry
    /// What this factory does not make itself (recorders, meters, floating-point counters).
    let fallback: PrometheusMetricsFactory

    /// A factory making its metrics in `registry`.
    package init(registry: PrometheusCollectorRegistry) {
        self.registry = registry
        fallback = PrometheusMetricsFactory(registry: registry)
    }

    static func descriptor(_ label: String) -> MetricNameDescriptor {
        MetricNameDescriptor(
            metricName: label, unitName: "", helpText: help[label] ?? label.replacingOccurrences(of: "_", with: " "))
    }

    package func makeCounter(label: String, dimensions: [(String, String)]) -> any CounterHandler {
        registry.makeCounter(descriptor: Self.descriptor(label), labels: dimensions)
    }

    package func makeFloatingPointCounter(
        label: String, dimensions: [(String, String)]
    ) -> any FloatingPointCounterHandler {
        fallback.makeFloatingPointCounter(label: label, dimensions: dimensions)
    }

    package func makeRecorder(label: String, dimensions: [(String, String)], aggregate: Bool) -> any RecorderHandler {
        fallback.makeRecorder(label: label, dimensions: dimensions, aggregate: aggregate)
    }

    package func makeMeter(label: String, dimensions: [(String, String)]) -> any MeterHandler {
        fallback.makeMeter(label: label, dimensions: dimensions)
    }

    package func makeTimer(label: String, dimensions: [(String, String)]) -> any TimerHandler {
        registry.makeDurationHistogram(
            descriptor: Self.descriptor(label), labels: dimensions, buckets: fallback.defaultDurationHistogramBuckets)
    }

    package func destroyCounter(_ handler: any CounterHandler) { fallback.destroyCounter(handler) }
    package func destroyFloatingPointCounter(_ handler: any FloatingPointCounterHandler) {
        fallback.destroyFloatingPointCounter(handler)
    }
    package func destroyRecorder(_ handler: any RecorderHandler) { fallback.destroyRecorder(handler) }
    package func destroyMeter(_ handler: any MeterHandler) { fallback.destroyMeter(handler) }
    package func destroyTimer(_ handler: any TimerHandler) { fallback.destroyTimer(handler) }
}

/// Totals kept elsewhere (the MQTT session's attempts, the journal's transitions, …) exported as Prometheus
/// counters: at each scrape, each counter is advanced by what its total grew since the last one. A total
/// that went down (a journal replaced by hand) is taken as a restart of the count, as Prometheus does.
package final class CounterMirror: Sendable {
    private let exported = Mutex<[String: Int64]>([:])

    /// An empty mirror: the first scrape exports each total as it stands.
    package init() {}

    /// Brings `counter` (named `name`) up to `total`.
    func mirror(_ counter: Prometheus.Counter, name: String, total: Int64) {
        let delta = exported.withLock { exported -> Int64 in
            let previous = exported[name] ?? 0
            exported[name] = total
            return total >= previous ? total - previous : total
        }
        if delta > 0 { counter.increment(by: delta) }
    }
}
