import FeedCore
import Foundation
import Ingest
import TestSupport
import Testing

@testable import CityCore
@testable import CityFeedsd

/// Two instances of a pair, in process, on one real broker: each has its own client id and data directory and
/// shares the operators' writes it takes on `mqtt.operator_topic`.
@Suite(.serialized) struct PairIntegrationTests {
    let token = "pair-operator-token-0123456789"
    var operatorHeaders: [String: String] { ["Authorization": "Bearer \(token)"] }

    func configuration(_ instance: String, broker: TestBroker, in directory: URL) throws -> DaemonConfiguration {
        var configuration = try DaemonConfiguration.load(
            path: repositoryRoot.appending(path: "config/biarritz.toml").path,
            overrides: .init(
                broker: broker.address.description, httpListen: "127.0.0.1:0",
                dataDirectory: directory.appending(path: instance).path, clientID: "cityfeedsd-\(instance)"))
        configuration.http.operatorToken = token
        return configuration
    }

    /// The alert of `fingerprint` in an instance's list, with its transitions.
    func alert(
        _ fingerprint: String, on client: HTTPClient
    ) async throws -> (
        alert: [String: Any], transitions: [[String: Any]]
    ) {
        let list = try await client.get("/v1/alerts").json()["items"] as? [[String: Any]] ?? []
        let summary = try #require(list.first { $0["fingerprint"] as? String == fingerprint })
        let detail = try await client.get("/v1/alerts/\(try #require(summary["id"] as? Int))").json()
        return (
            try #require(detail["alert"] as? [String: Any]), detail["transitions"] as? [[String: Any]] ?? []
        )
    }

    /// What a pair's consumers compare: each transition's kind, time and step (ids and sequences are each
    /// instance's own).
    func history(_ transitions: [[String: Any]]) -> [String] {
        transitions.map { "\($0["kind"] ?? "") \($0["at"] ?? "") \($0["step"] ?? "")" }
    }

    @Test func aWriteTakenByOneInstanceReachesTheOtherEvenWhileItIsDown() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-pair")
        let a = try configuration("a", broker: broker, in: directory)
        let b = try configuration("b", broker: broker, in: directory)
        let publisher = try MQTTPublisher(broker: broker.address)
        defer { publisher.close() }
        let fingerprint = "sewage_discharge:port-vieux"

        try await runningDaemon(a) { clientA, _ in
            _ = try await clientA.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            try await runningDaemon(b) { clientB, _ in
                _ = try await clientB.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
                let start = Timestamp.now.adding(seconds: -30)
                try publisher.publish(
                    topic: "cityfeeds/sewer/outfall-port-vieux/state",
                    text: #"{"ts":"\#(start.iso8601)","state":"discharging"}"#)
                try publisher.publish(
                    topic: "cityfeeds/parking/clemenceau/occupancy",
                    text: #"{"ts":"\#(start.iso8601)","entries":40,"exits":3}"#)
                #expect(publisher.waitForAcknowledgements())
                for client in [clientA, clientB] {
                    _ = try await client.waitFor("/v1/alerts") {
                        ($0["items"] as? [[String: Any]])?.contains { $0["fingerprint"] as? String == fingerprint }
                            == true
                    }
                }

                // A takes the acknowledgement; B records the same note at the same time, once.
                let onA = try await alert(fingerprint, on: clientA)
                let acknowledged = try await clientA.post(
                    "/v1/alerts/\(try #require(onA.alert["id"] as? Int))/acknowledge",
                    json: #"{"by":"duty officer","reason":"crew on the way"}"#, headers: operatorHeaders)
                #expect(acknowledged.status == 200)
                let noteOnA = try #require(try acknowledged.json()["acknowledged"] as? [String: Any])
                let bAlert = try await waitForAlert(fingerprint, on: clientB) { $0["acknowledged"] != nil }
                let noteOnB = try #require(bAlert.alert["acknowledged"] as? [String: Any])
                #expect(noteOnB["by"] as? String == "duty officer")
                #expect(noteOnB["at"] as? String == noteOnA["at"] as? String)
                // The broker delivering the write again (after a lost acknowledgement, say) changes nothing.
                let again: [String: Any] = [
                    "action": "acknowledge", "alert": fingerprint, "started_at": onA.alert["started_at"] ?? "",
                    "at": noteOnA["at"] ?? "", "by": "duty officer", "reason": "crew on the way",
                    "origin": "cityfeedsd-a",
                ]
                try publisher.publish(
                    topic: "cityfeeds/operator", payload: Array(try JSONSerialization.data(withJSONObject: again)))
                #expect(publisher.waitForAcknowledgements())
                let repeated = #"cityfeeds_operator_actions_total{outcome="unchanged_from_pair"} 1"#
                let deadline = ContinuousClock.now + .seconds(10)
                var metricsB = ""
                while !metricsB.contains(repeated) && ContinuousClock.now < deadline {
                    metricsB = String(decoding: try await clientB.get("/metrics").body, as: UTF8.self)
                    try await Task.sleep(for: .milliseconds(25))
                }
                #expect(metricsB.contains(repeated))
                #expect(try await alert(fingerprint, on: clientB).transitions.count == 2, "firing, acknowledged once")

                // B takes an operator's count; A records it.
                let counted = try await clientB.post(
                    "/v1/parking/clemenceau/occupancy", json: #"{"occupied":120}"#, headers: operatorHeaders)
                #expect(counted.status == 200)
                _ = try await clientA.waitFor("/v1/parking/clemenceau") {
                    ($0["car_park"] as? [String: Any])?["realtime_occupied"] as? Int == 120
                }
            }

            // B is down: A closes a beach by municipal order.
            let closed = try await clientA.post(
                "/v1/beaches/grande-plage/override",
                json: #"{"action":"close","reason":"Sewage discharge","author":"mayor's office"}"#,
                headers: operatorHeaders)
            #expect(closed.status == 200)
            // Something hostile on the topic, from a client the broker should not have let write it.
            try publisher.publish(topic: "cityfeeds/operator", text: #"{"action":"acknowledge","at":"soon"}"#)
            #expect(publisher.waitForAcknowledgements())

            // B comes back: its session holds the order (and the refusal), and it catches up.
            try await runningDaemon(b) { clientB, _ in
                _ = try await clientB.waitFor("/v1/beaches/grande-plage") { $0["status"] as? String == "closed" }
                // (Counted since this start: the acknowledgement was applied before.)
                let metrics = String(decoding: try await clientB.get("/metrics").body, as: UTF8.self)
                #expect(metrics.contains(#"cityfeeds_operator_actions_total{outcome="applied_from_pair"} 1"#))
                #expect(metrics.contains(#"cityfeeds_operator_actions_total{outcome="refused_from_pair"} 1"#))

                // Both instances tell the alert's story alike: the consumers' key is fingerprint, start and step.
                let onA = try await alert(fingerprint, on: clientA)
                let onB = try await alert(fingerprint, on: clientB)
                #expect(onA.alert["started_at"] as? String == onB.alert["started_at"] as? String)
                #expect(history(onA.transitions) == history(onB.transitions))
                #expect(onA.transitions.map { $0["kind"] as? String } == ["firing", "acknowledged"])
                #expect(onA.transitions.map { $0["step"] as? Int } == [1, 2])
            }
            let metrics = String(decoding: try await clientA.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains(#"cityfeeds_operator_actions_total{outcome="taken"} 2"#))
            #expect(metrics.contains(#"cityfeeds_operator_actions_total{outcome="shared"} 2"#))
            #expect(metrics.contains(#"cityfeeds_operator_actions_total{outcome="applied_from_pair"} 1"#))
        }
    }

    /// The broker away when a write is taken: the write waits and reaches the other instance once the broker is
    /// back. An instance stopping while a write waits does not wait out its retries, and sends the write at its
    /// next start.
    @Test func aWriteTakenWhileTheBrokerIsAwayIsSharedOnceItIsBack() async throws {
        var broker = try TestBroker()
        defer { broker.stop() }
        let (port, brokerDirectory) = (broker.port, broker.directory)
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-pair-away")
        let a = try configuration("a", broker: broker, in: directory)
        let b = try configuration("b", broker: broker, in: directory)
        var stopping: ContinuousClock.Instant?
        try await runningDaemon(b) { clientB, _ in
            _ = try await clientB.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            try await runningDaemon(a) { clientA, _ in
                _ = try await clientA.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
                broker.stop()
                _ = try await clientA.waitFor("/healthz") { ($0["ready"] as? Bool) == false }
                let closed = try await clientA.post(
                    "/v1/beaches/miramar/override",
                    json: #"{"action":"close","reason":"Storm","author":"mayor's office"}"#, headers: operatorHeaders)
                #expect(closed.status == 200)
                broker = try TestBroker(port: port, directory: brokerDirectory)
                _ = try await clientB.waitFor("/v1/beaches/miramar", timeout: .seconds(30)) {
                    $0["status"] as? String == "closed"
                }
                // Away again, with a write waiting: stopping gives it one try, not the backoff's 30 s.
                broker.stop()
                _ = try await clientA.waitFor("/healthz") { ($0["ready"] as? Bool) == false }
                let lifted = try await clientA.delete("/v1/beaches/miramar/override", headers: operatorHeaders)
                #expect(lifted.status == 200)
                try await Task.sleep(for: .seconds(2))
                stopping = .now
            }
            let took = ContinuousClock.now - (stopping ?? .now)
            #expect(took < .seconds(10), "a stopped in \(took) with a write waiting and the broker away")
            // The write a kept on disk is sent when it starts again with the broker back.
            broker = try TestBroker(port: port, directory: brokerDirectory)
            try await runningDaemon(a) { _, _ in
                _ = try await clientB.waitFor("/v1/beaches/miramar", timeout: .seconds(30)) {
                    $0["status"] as? String != "closed"
                }
            }
        }
    }

    /// Polls an instance until its alert of `fingerprint` satisfies `condition`.
    func waitForAlert(
        _ fingerprint: String, on client: HTTPClient, _ condition: ([String: Any]) -> Bool
    ) async throws -> (alert: [String: Any], transitions: [[String: Any]]) {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            let found = try await alert(fingerprint, on: client)
            if condition(found.alert) || ContinuousClock.now > deadline { return found }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}
