import FeedCore
import Foundation
import TestSupport
import Testing

@testable import Alerts
@testable import CityCore
@testable import CityFeedsd

/// The operator at 3 a.m.: one command acknowledges an alert, one closes a beach, with the token read from a
/// file, against a running daemon; the real `cityfeedsd` binary, as the operator runs it.
@Suite(.serialized) struct OperatorCommandTests {
    /// Runs `cityfeedsd arguments…` on a thread of its own (it blocks until the command exits).
    func cityfeedsd(_ arguments: [String]) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            Thread.detachNewThread {
                do {
                    try runToCompletion(DaemonProcessIntegrationTests.binary, arguments, timeout: 30)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    @Test func anOperatorAcknowledgesAnAlertAndClosesABeachWithOneCommandEach() async throws {
        let token = "night-shift-token-0123456789"
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-operator")
        let tokenFile = directory.appending(path: "operator-token").path
        try (token + "\n").write(toFile: tokenFile, atomically: true, encoding: .utf8)
        var configuration = try DaemonConfiguration.load(
            path: repositoryRoot.appending(path: "config/biarritz.toml").path,
            overrides: .init(
                broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0",
                dataDirectory: directory.appending(path: "data").path))
        configuration.http.operatorToken = token
        try await runningDaemon(configuration) { client, daemon in
            let now = Timestamp.now
            try daemon.alerts.ingest([
                Reading(
                    sensor: "outfall-port-vieux", metric: .overflowState, time: now.adding(seconds: -60), value: 1,
                    received: now)
            ])
            let alert = try #require(daemon.alerts.openAlerts.first)
            let access = ["--url", "http://127.0.0.1:\(client.port)", "--token-file", tokenFile]

            try await cityfeedsd(
                ["alerts", "ack", "\(alert.id)", "--reason", "crew on the way", "--by", "duty"] + access)
            let acknowledged = try await client.get("/v1/alerts/\(alert.id)").json()
            let note = (acknowledged["alert"] as? [String: Any])?["acknowledged"] as? [String: Any]
            #expect(note?["by"] as? String == "duty")
            #expect(note?["reason"] as? String == "crew on the way")

            try await cityfeedsd(["beach", "close", "port-vieux", "--reason", "Sewage discharge"] + access)
            #expect(try await client.get("/v1/beaches/port-vieux").json()["status"] as? String == "closed")
            try await cityfeedsd(["beach", "lift", "port-vieux"] + access)
            #expect(try await client.get("/v1/beaches/port-vieux").json()["status"] as? String != "closed")

            // A wrong token is refused, and says so.
            let wrongFile = directory.appending(path: "wrong-token").path
            try "not-the-token-at-all\n".write(toFile: wrongFile, atomically: true, encoding: .utf8)
            await #expect {
                try await cityfeedsd(
                    [
                        "alerts", "ack", "\(alert.id)", "--url", "http://127.0.0.1:\(client.port)", "--token-file",
                        wrongFile,
                    ])
            } throws: { error in
                "\(error)".contains("401")
            }
        }
    }
}
