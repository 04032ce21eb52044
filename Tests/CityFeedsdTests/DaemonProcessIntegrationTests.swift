#if canImport(Glibc)
import Glibc
#endif
import FeedCore
import Foundation
import Ingest
import TestSupport
import Testing
import TimeSeries

/// The `cityfeedsd` binary as its own process: stopped by SIGTERM or killed by SIGKILL in the middle of a
/// stream, restarted, and checked to have stored every published reading exactly once (DESIGN §2).
@Suite(.serialized) struct DaemonProcessIntegrationTests {
    /// `cityfeedsd`, built next to the test bundle by `swift test`.
    static var binary: String {
        let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let candidates = [
            folder.appending(path: "cityfeedsd").path,
            folder.deletingLastPathComponent().appending(path: "cityfeedsd").path,
            repositoryRoot.appending(path: ".build/debug/cityfeedsd").path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[2]
    }

    func startDaemon(broker: TestBroker, dataDirectory: URL, httpPort: Int) throws -> ChildProcess {
        try ChildProcess(
            executable: Self.binary,
            arguments: [
                "run", "--config", repositoryRoot.appending(path: "config/biarritz.toml").path,
                "--broker", broker.address.description, "--http", "127.0.0.1:\(httpPort)",
                "--data-dir", dataDirectory.path, "--log-level", "warning",
            ],
            output: dataDirectory.appending(path: "daemon.log").path)
    }

    func waitUntilReady(_ client: HTTPClient) async throws {
        _ = try await client.waitFor("/healthz", timeout: .seconds(30)) { ($0["ready"] as? Bool) == true }
        try await Task.sleep(for: .milliseconds(200))  // the SUBACK follows the CONNACK
    }

    @Test(arguments: [SIGTERM, SIGKILL])
    func stoppingMidStreamLosesNothingAndStoresNothingTwice(signal: Int32) async throws {
        let count = 5_000
        let broker = try TestBroker()
        defer { broker.stop() }
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-process")
        let port = try freeLoopbackPort()
        let client = HTTPClient(port: port)

        var daemon = try startDaemon(broker: broker, dataDirectory: dataDirectory, httpPort: port)
        defer { daemon.kill9() }
        try await waitUntilReady(client)

        // Numbered readings, one second apart, ending a little before now.
        let start = Timestamp.now.adding(seconds: -Double(count) - 60)
        let publisher = try MQTTPublisher(broker: broker.address)
        for index in 0..<count {
            let ts = start.adding(seconds: Double(index)).milliseconds
            try publisher.publish(
                topic: "cityfeeds/parking/casino/occupancy", text: #"{"ts":\#(ts),"occupied":\#(index % 400)}"#)
            if index == count / 4 {
                #expect(publisher.waitForAcknowledgements())
                daemon.send(signal)
            }
        }
        #expect(publisher.waitForAcknowledgements(timeout: .seconds(30)))
        let status = try #require(daemon.wait(timeout: 15))
        if signal == SIGTERM {
            #expect(status == 0, "a SIGTERM must end in a clean exit (wait status \(status))")
        }

        daemon = try startDaemon(broker: broker, dataDirectory: dataDirectory, httpPort: port)
        _ = try await client.waitFor("/healthz", timeout: .seconds(60)) {
            ($0["stored_readings"] as? Int) == count
        }
        daemon.terminate()

        let store = try SeriesStore(
            configuration: .init(path: dataDirectory.appending(path: "cityfeeds.sqlite").path, ringCapacity: count))
        defer { store.close() }
        #expect(try store.storedCount() == count)
        let samples = store.history(SeriesKey(sensor: "casino", metric: .occupied)).samples
        #expect(samples.count == count)
        #expect(samples.map(\.time) == (0..<count).map { start.adding(seconds: Double($0)) })
    }
}
