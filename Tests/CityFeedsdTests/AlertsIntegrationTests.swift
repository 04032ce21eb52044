import Alerts
import EventStream
import FeedCore
import Foundation
import Ingest
import Logging
import Synchronization
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// Alerts end to end: MQTT in; the live stream, the log, the journal, the operator's actions and the
/// retained beach statuses out.
@Suite(.serialized) struct AlertsIntegrationTests {
    let token = "s3cret-operator-token"
    var bearer: [String: String] { ["Authorization": "Bearer \(token)"] }

    /// Collects what a plain subscriber receives (the retained beach statuses).
    final class Collector: MessageBurstHandler {
        let messages = Mutex<[String: String]>([:])
        func handle(burst: [InboundMessage]) throws {
            messages.withLock {
                for message in burst { $0[message.topic] = String(decoding: message.payload, as: UTF8.self) }
            }
        }
    }

    @Test func aDischargeReachesTheStreamTheLogAndTheRetainedStatusAndOperatorsActOnIt() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let logPath = Mutex("")
        try await runningDaemon(
            brokerURL: broker.address.description,
            adjust: { configuration in
                configuration.http.operatorToken = token
                logPath.withLock { $0 = configuration.alerts.logPath }
            }
        ) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            let publisher = try MQTTPublisher(broker: broker.address)
            defer { publisher.close() }

            // The stream is open before the discharge starts: both beaches' alerts arrive on it.
            async let live = client.events("/v1/alerts/stream", count: 2)
            try await Task.sleep(for: .milliseconds(200))
            let now = Timestamp.now
            try publisher.publish(
                topic: "cityfeeds/sewer/outfall-port-vieux/state",
                text: #"{"ts":"\#(now.iso8601)","state":"discharging"}"#)
            let events = try await live
            #expect(events.map(\.event) == ["firing", "firing"])
            #expect(events.map(\.id) == ["1", "2"])
            let first = try #require(
                try JSONSerialization.jsonObject(with: Data(events[0].data.utf8)) as? [String: Any])
            let alert = try #require(first["alert"] as? [String: Any])
            #expect(alert["rule"] as? String == "sewage_discharge")
            #expect(alert["started_at"] as? String == now.iso8601)

            // The log has the same transitions, one JSON line each, in sequence order.
            let lines = try String(contentsOfFile: logPath.withLock { $0 }, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == 2)
            #expect(lines.allSatisfy { $0.contains("\"kind\":\"firing\"") })

            let metrics = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"cityfeeds_alerts_open{rule="sewage_discharge",state="firing"} 2"#))
            #expect(metrics.contains(#"cityfeeds_alerts_open{rule="heavy_rain",state="firing"} 0"#))
            #expect(metrics.contains(#"cityfeeds_data_age_seconds{class="sewer"}"#))
            #expect(metrics.contains(#"cityfeeds_data_age_seconds{class="parking"} -1"#))
            #expect(metrics.contains(#"cityfeeds_http_responses_total{class="2xx"}"#))
            #expect(metrics.contains("cityfeeds_http_request_duration_seconds_bucket{le=\"+Inf\"}"))

            // Operator actions need the token; acknowledging never clears.
            let id = try #require(alert["id"] as? Int)
            let refused = try await client.post("/v1/alerts/\(id)/acknowledge", json: #"{"by":"ops"}"#)
            #expect(refused.status == 401)
            let acknowledged = try await client.post(
                "/v1/alerts/\(id)/acknowledge", json: #"{"by":"duty officer"}"#, headers: bearer)
            #expect(acknowledged.status == 200)
            #expect(try acknowledged.json()["state"] as? String == "firing")
            #expect((try acknowledged.json()["acknowledged"] as? [String: Any])?["by"] as? String == "duty officer")
            let noReason = try await client.post(
                "/v1/alerts/\(id)/not-genuine", json: #"{"by":"ops"}"#, headers: bearer)
            #expect(noReason.status == 400)
            let unknown = try await client.post("/v1/alerts/9999/acknowledge", json: #"{"by":"ops"}"#, headers: bearer)
            #expect(unknown.status == 404)
            let markedReply = try await client.post(
                "/v1/alerts/\(id)/not-genuine", json: #"{"by":"ops","reason":"level sensor fouled by seaweed"}"#,
                headers: bearer)
            #expect(try markedReply.json()["state"] as? String == "resolved")

            // A client that saw event 2 resumes with what it missed, from the journal.
            let resumed = try await client.events("/v1/alerts/stream", count: 3, headers: ["Last-Event-ID": "2"])
            #expect(resumed.map(\.event) == ["acknowledged", "not_genuine", "resolved"])
            #expect(resumed.map(\.id) == ["3", "4", "5"])

            let history = try await client.get("/v1/alerts?state=all").json()["items"] as? [[String: Any]] ?? []
            #expect(history.count == 2)
            // What `cityfeedsd alerts` prints for them.
            let marked = try #require(history.first { $0["id"] as? Int == id })
            let line = AlertText.alert(marked)
            #expect(line.contains("RESOLVED") && line.contains("sewage_discharge:port-vieux"))
            #expect(line.contains("acknowledged by duty officer"))
            #expect(line.contains("NOT GENUINE (ops: level sensor fouled by seaweed)"))
            let event = try #require(
                try JSONSerialization.jsonObject(with: Data(resumed[2].data.utf8)) as? [String: Any])
            #expect(AlertText.transition(event).contains("#5  RESOLVED"))
            let detail = try await client.get("/v1/alerts/\(id)").json()
            #expect(
                (detail["transitions"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
                    == ["firing", "acknowledged", "not_genuine", "resolved"])
            #expect(try await client.get("/v1/alerts?state=active").json()["items"] as? [Any] != nil)
            #expect(try await client.get("/v1/alerts?state=sideways").status == 400)

            // The mayor closes a beach, then lifts the order.
            let closed = try await client.post(
                "/v1/beaches/miramar/override", json: #"{"action":"close","reason":"jellyfish","author":"Mairie"}"#,
                headers: bearer)
            #expect(try closed.json()["status"] as? String == "closed")
            #expect((try closed.json()["override"] as? [String: Any])?["reason"] as? String == "jellyfish")
            let typo = try await client.post(
                "/v1/beaches/miramar/override",
                json: #"{"action":"close","reason":"jellyfish","author":"Mairie","untill":"2026-12-01T00:00:00Z"}"#,
                headers: bearer)
            #expect(typo.status == 400, "an unknown key is refused, not ignored")
            let lifted = try await client.delete("/v1/beaches/miramar/override", headers: bearer)
            #expect(try lifted.json()["status"] as? String != "closed")

            // Retained statuses per beach, for a display that connects later.
            let collector = Collector()
            let consumer = try MQTTConsumer(
                configuration: MQTTConsumerConfiguration(
                    broker: broker.address, clientID: "status-reader", subscriptions: ["cityfeeds/status/beach/#"]),
                handler: collector, logger: Logger(label: "status-reader"))
            let reading = Task.detached { await consumer.run() }
            defer {
                consumer.stop()
                reading.cancel()
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while collector.messages.withLock({ $0.count }) < 6, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            let statuses = collector.messages.withLock { $0 }
            #expect(statuses.count == 6)
            let grandePlage = try #require(statuses["cityfeeds/status/beach/grande-plage"])
            let status = try #require(try JSONSerialization.jsonObject(with: Data(grandePlage.utf8)) as? [String: Any])
            #expect(status["beach"] as? String == "grande-plage")
            #expect(status["sewage"] as? String == "unknown" || status["sewage"] as? String == "clear")
        }
    }

    @Test func aBeachShowsItsClassificationPlumeSignsAndHeavyRain() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(
            brokerURL: broker.address.description,
            adjust: { configuration in
                configuration.ingest.policy.maxAgeSeconds = 10 * 365 * 86_400
            }
        ) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            let publisher = try MQTTPublisher(broker: broker.address)
            defer { publisher.close() }
            let now = Timestamp.now
            let year = Calendar(identifier: .gregorian).component(.year, from: now.date)
            // Five July samples in each of the last four complete seasons (15 June – 15 September).
            let lastSeason = Calendar(identifier: .gregorian).component(.month, from: now.date) > 9 ? year : year - 1
            for season in (lastSeason - 3)...lastSeason {
                for day in [1, 8, 15, 22, 29] {
                    let time = Timestamp(rfc3339: String(format: "%04d-07-%02dT08:00:00Z", season, day))!
                    try publisher.publish(
                        topic: "cityfeeds/beach/probe-grande-plage/sample",
                        text: #"{"ts":"\#(time.iso8601)","ecoli":30,"enterococci":20}"#)
                }
            }
            // Today: a good sample, the outfall reporting, and a turbidity jump after a calm day.
            try publisher.publish(
                topic: "cityfeeds/sewer/outfall-port-vieux/state",
                text: #"{"ts":"\#(now.adding(seconds: -7_200).iso8601)","state":"stopped"}"#)
            for hour in stride(from: 6.0, through: 1, by: -1) {
                try publisher.publish(
                    topic: "cityfeeds/beach/probe-grande-plage/sample",
                    text: #"{"ts":"\#(now.adding(seconds: -hour * 3_600).iso8601)","turbidity":1.5,"salinity":35}"#)
            }
            try publisher.publish(
                topic: "cityfeeds/beach/probe-grande-plage/sample",
                text:
                    #"{"ts":"\#(now.adding(seconds: -60).iso8601)","ecoli":40,"enterococci":20,"turbidity":12,"salinity":34.5}"#
            )
            #expect(publisher.waitForAcknowledgements())

            // The store shows a burst's readings a moment before the alert engine has seen them: wait for both.
            let beach = try await client.waitFor("/v1/beaches/grande-plage") {
                (($0["probe"] as? [String: Any])?["turbidity"] as? Double) == 12 && $0["sewage"] as? String == "clear"
            }
            let classification = try #require(beach["classification"] as? [String: Any])
            #expect(classification["class"] as? String == "excellent")
            #expect(classification["samples"] as? Int == 20)
            #expect(classification["seasons"] as? Int == 4)
            let probe = try #require(beach["probe"] as? [String: Any])
            #expect(probe["state"] as? String == "online")
            #expect((probe["signs"] as? [[String: Any]])?.first?["kind"] as? String == "turbidity_jump")
            #expect(
                beach["status"] as? String == "average",
                "a good sample with a plume sign is not good: \(beach["reasons"] ?? "")")

            // 25 mm of rain: a preventive alert on every beach the gauge covers.
            try publisher.publish(
                topic: "cityfeeds/rain/rain-biarritz-parme/rain", text: #"{"ts":"\#(now.iso8601)","rain_mm":25}"#)
            #expect(publisher.waitForAcknowledgements())
            let rainy = try await client.waitFor("/v1/alerts?rule=heavy_rain") { ($0["items"] as? [Any])?.count == 6 }
            #expect((rainy["items"] as? [[String: Any]])?.allSatisfy { ($0["value"] as? Double) == 25 } == true)
            let after = try await client.get("/v1/beaches/grande-plage").json()
            #expect((after["reasons"] as? [String])?.contains { $0.hasPrefix("Heavy rain") } == true)
        }
    }
}
