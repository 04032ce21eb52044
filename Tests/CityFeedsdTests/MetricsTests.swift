import Foundation
import Prometheus
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore

/// `/metrics` as the field's own tool reads it: `promtool check metrics` (Prometheus's linter) passes on it,
/// cumulative figures are counters, and the build is named.
@Suite struct MetricsTests {
    @Test func theExpositionPassesPromtoolWithCountersAsCountersAndTheBuildNamed() async throws {
        try await daemonInMemory { client, _ in
            // Scraped twice: the second scrape advances the counters from the first one's totals.
            _ = try await client.raw("/metrics")
            let reply = try await client.raw("/metrics")
            #expect(reply.status == 200)
            let text = String(decoding: reply.body, as: UTF8.self)
            let file = try makeTemporaryDirectory(prefix: "cityfeeds-metrics").appending(path: "metrics.txt")
            try reply.body.write(to: file)
            // promtool reads the exposition on standard input and exits non-zero on any problem it lists.
            try runToCompletion("sh", ["-c", "promtool check metrics < '\(file.path)'"])

            for counter in [
                "cityfeeds_mqtt_connection_attempts_total", "cityfeeds_mqtt_reconnects_total",
                "cityfeeds_alert_transitions_total", "cityfeeds_ingest_quarantined_total",
                "cityfeeds_alert_log_write_failures_total", "cityfeeds_alert_stream_ended_too_slow_total",
            ] {
                #expect(text.contains("# TYPE \(counter) counter\n"), "\(counter) is not a counter")
            }
            #expect(text.contains("cityfeeds_build_info{"))
            #expect(text.contains("version=\"\(CityFeedsVersion.current)\""))
            #expect(!text.contains("# TYPE cityfeeds_mqtt_reconnects gauge"))

            let health = try #require(
                try JSONSerialization.jsonObject(with: try await client.raw("/healthz").body) as? [String: Any])
            #expect(health["version"] as? String == CityFeedsVersion.current)
        }
    }

    /// A total exported as a counter only ever goes up; a total that fell (counted anew) adds what it has.
    @Test func aMirroredCounterFollowsItsTotalUpward() {
        let registry = PrometheusCollectorRegistry()
        let mirror = CounterMirror()
        let counter = registry.makeCounter(
            descriptor: MetricNameDescriptor(metricName: "t_total", unitName: "", helpText: "t"), labels: [])
        func value() -> String {
            String(decoding: registry.emitToBuffer(), as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
        }
        mirror.mirror(counter, name: "t_total", total: 5)
        #expect(value() == "t_total 5")
        mirror.mirror(counter, name: "t_total", total: 5)
        #expect(value() == "t_total 5")
        mirror.mirror(counter, name: "t_total", total: 8)
        #expect(value() == "t_total 8")
        mirror.mirror(counter, name: "t_total", total: 2)
        #expect(value() == "t_total 10")
    }
}
