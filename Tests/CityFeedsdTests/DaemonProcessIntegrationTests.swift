import Alerts
import FeedCore
import Foundation
import Ingest
import Logging
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

#if canImport(Glibc)
import Glibc
#endif

/// The `cityfeedsd` binary as its own process: stopped by SIGTERM or killed by SIGKILL in the middle of a
/// stream, restarted, and checked to have stored every published reading exactly once.
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

    func startDaemon(
        broker: TestBroker, dataDirectory: URL, httpPort: Int, environment: [String: String] = [:]
    ) throws -> ChildProcess {
        try ChildProcess(
            executable: Self.binary,
            arguments: [
                "run", "--config", repositoryRoot.appending(path: "config/biarritz.toml").path,
                "--broker", broker.address.description, "--http", "127.0.0.1:\(httpPort)",
                "--data-dir", dataDirectory.path, "--log-level", "warning",
            ],
            environment: ProcessInfo.processInfo.environment.merging(environment) { $1 },
            output: dataDirectory.appending(path: "daemon.log").path)
    }

    func waitUntilReady(_ client: HTTPClient) async throws {
        _ = try await client.waitFor("/healthz", timeout: .seconds(30)) { ($0["ready"] as? Bool) == true }
    }

    /// Numbered readings, one second apart, ending a little before now: reading `index` is at `start + index` s.
    func publishReadings(
        _ range: Range<Int>, start: Timestamp, to broker: TestBroker, whenPublished index: Int? = nil,
        _ action: () -> Void = {}
    ) throws {
        let publisher = try MQTTPublisher(broker: broker.address)
        for index in range {
            let ts = start.adding(seconds: Double(index)).milliseconds
            try publisher.publish(
                topic: "cityfeeds/parking/casino/occupancy", text: #"{"ts":\#(ts),"occupied":\#(index % 400)}"#)
            if index % 1_000 == 999 { publisher.waitUntilOutstanding(atMost: 500) }
            if index == range.lowerBound + (range.count / 4) {
                #expect(publisher.waitForAcknowledgements())
                action()
            }
        }
        #expect(publisher.waitForAcknowledgements(timeout: .seconds(60)))
    }

    /// Every reading `0..<count` stored exactly once, and nothing else.
    func expectStoredExactlyOnce(count: Int, start: Timestamp, in dataDirectory: URL) throws {
        let store = try SeriesStore(
            configuration: .init(path: dataDirectory.appending(path: "cityfeeds.sqlite").path, ringCapacity: count))
        defer { store.close() }
        #expect(try store.storedCount() == count)
        let samples = store.history(SeriesKey(sensor: "casino", metric: .occupied)).samples
        #expect(samples.count == count)
        #expect(samples.map(\.time) == (0..<count).map { start.adding(seconds: Double($0)) })
    }

    @Test(arguments: [SIGTERM, SIGKILL])
    func stoppingMidStreamLosesNothingAndStoresNothingTwice(signal: Int32) async throws {
        let count = 20_000
        let broker = try TestBroker()
        defer { broker.stop() }
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-process")
        let port = try freeLoopbackPort()
        let client = HTTPClient(port: port)

        var daemon = try startDaemon(broker: broker, dataDirectory: dataDirectory, httpPort: port)
        defer { daemon.kill9() }
        try await waitUntilReady(client)

        let start = Timestamp(milliseconds: (Timestamp.now.milliseconds / 1_000 - Int64(count) - 60) * 1_000)
        try publishReadings(0..<count, start: start, to: broker) { daemon.send(signal) }
        let status = try #require(daemon.wait(timeout: 15))
        if signal == SIGTERM {
            #expect(status == 0, "a SIGTERM must end in a clean exit (wait status \(status))")
        }

        daemon = try startDaemon(broker: broker, dataDirectory: dataDirectory, httpPort: port)
        _ = try await client.waitFor("/healthz", timeout: .seconds(60)) {
            ($0["stored_readings"] as? Int) == count
        }
        daemon.terminate()
        try expectStoredExactlyOnce(count: count, start: start, in: dataDirectory)
    }

    /// The broker stops (SIGTERM, saving its queues) while the daemon drains a stream, and comes back on the
    /// same port: the daemon reconnects on its own, its session resumes, and every reading arrives once.
    @Test func aBrokerRestartMidStreamLosesNothing() async throws {
        let count = 20_000
        let brokerDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-broker-restart")
        var broker = try TestBroker(directory: brokerDirectory)
        let brokerPort = broker.port
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-process")
        let port = try freeLoopbackPort()
        let client = HTTPClient(port: port)
        let daemon = try startDaemon(broker: broker, dataDirectory: dataDirectory, httpPort: port)
        defer { daemon.kill9() }
        try await waitUntilReady(client)

        // Freeze the daemon while the first half queues up, so that the broker goes down in mid-drain.
        let start = Timestamp(milliseconds: (Timestamp.now.milliseconds / 1_000 - Int64(count) - 60) * 1_000)
        daemon.send(SIGSTOP)
        try publishReadings(0..<(count / 2), start: start, to: broker)
        daemon.send(SIGCONT)
        try await Task.sleep(for: .milliseconds(30))
        let storedBeforeRestart = try await client.get("/healthz").json()["stored_readings"] as? Int ?? 0
        #expect(storedBeforeRestart < count / 2, "the broker should stop while the daemon is still draining")
        broker.stop()
        broker = try TestBroker(port: brokerPort, directory: brokerDirectory)
        defer { broker.stop() }
        try publishReadings((count / 2)..<count, start: start, to: broker)

        let health = try await client.waitFor("/healthz", timeout: .seconds(60)) {
            ($0["stored_readings"] as? Int) == count
        }
        let mqtt = health["mqtt"] as? [String: Any]
        #expect(mqtt?["reconnects"] as? Int == 1)
        #expect(mqtt?["session_present"] as? Bool == true)
        daemon.terminate()
        #expect(daemon.wait(timeout: 1) != nil)
        try expectStoredExactlyOnce(count: count, start: start, in: dataDirectory)
    }

    /// SIGHUP: a broken file leaves the daemon running on the configuration it has; a valid one is
    /// applied without a restart and without losing state.
    @Test func sighupKeepsTheOldConfigurationWhenTheNewOneIsBrokenAndAppliesAValidOne() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-reload")
        let configPath = dataDirectory.appending(path: "city.toml").path
        let original = try String(contentsOf: repositoryRoot.appending(path: "config/biarritz.toml"), encoding: .utf8)
        try original.write(toFile: configPath, atomically: true, encoding: .utf8)
        let port = try freeLoopbackPort()
        let client = HTTPClient(port: port)
        let daemon = try ChildProcess(
            executable: Self.binary,
            arguments: [
                "run", "--config", configPath, "--broker", broker.address.description, "--http", "127.0.0.1:\(port)",
                "--data-dir", dataDirectory.appending(path: "data").path, "--log-level", "notice",
            ],
            output: dataDirectory.appending(path: "daemon.log").path)
        defer {
            daemon.send(SIGKILL)
            _ = daemon.wait(timeout: 10)
        }
        try await waitUntilReady(client)
        // State that must survive the reload: a reading, and an alert.
        let publisher = try MQTTPublisher(broker: broker.address)
        defer { publisher.close() }
        try publisher.publish(
            topic: "cityfeeds/sewer/outfall-port-vieux/state",
            text: #"{"ts":"\#(Timestamp.now.iso8601)","state":"discharging"}"#)
        #expect(publisher.waitForAcknowledgements())
        _ = try await client.waitFor("/v1/alerts") { ($0["items"] as? [Any])?.count == 2 }

        // Broken: an invalid beach id and an outfall linked to a beach that does not exist.
        try (original + "\n[[beaches]]\nid = \"Not An Id\"\nname = \"x\"\nlatitude = 43.4\nlongitude = -1.5\n")
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        daemon.send(SIGHUP)
        let refused = try await client.waitFor("/healthz") {
            (($0["configuration"] as? [String: Any])?["last_error"] as? String)?.contains("Not An Id") == true
        }
        #expect((refused["configuration"] as? [String: Any])?["reloads"] as? Int == 0)
        #expect((try await client.get("/v1/beaches").json()["items"] as? [Any])?.count == 6)

        // Valid: a seventh beach, linked to an existing outfall.
        let added =
            original.replacingOccurrences(
                of: "beaches = [\"port-vieux\", \"grande-plage\"]",
                with: "beaches = [\"port-vieux\", \"grande-plage\", \"lac-marion\"]")
            + "\n[[beaches]]\nid = \"lac-marion\"\nname = \"Lac Marion\"\nwater = \"inland\"\nlatitude = 43.468\nlongitude = -1.551\n"
            + "probe = \"probe-lac-marion\"\n"
        try added.write(toFile: configPath, atomically: true, encoding: .utf8)
        // logrotate's move before its SIGHUP: the daemon must write on to a new file at the path.
        let log = dataDirectory.appending(path: "data/alerts.jsonl").path
        try FileManager.default.moveItem(atPath: log, toPath: log + ".1")
        daemon.send(SIGHUP)
        let applied = try await client.waitFor("/healthz") {
            (($0["configuration"] as? [String: Any])?["reloads"] as? Int) == 1
        }
        #expect((applied["configuration"] as? [String: Any])?["last_error"] == nil)
        let beaches = try await client.get("/v1/beaches").json()["items"] as? [[String: Any]] ?? []
        #expect(beaches.count == 7)
        // The running discharge now reaches the new beach too: it is warned at once; the earlier alerts stay.
        let lake = try await client.waitFor("/v1/beaches/lac-marion") { $0["sewage"] as? String == "alert" }
        #expect(lake["water_type"] as? String == "inland")
        #expect((lake["alerts"] as? [[String: Any]])?.first?["rule"] as? String == "sewage_discharge")
        #expect((try await client.get("/v1/alerts").json()["items"] as? [Any])?.count == 3)
        #expect(try String(contentsOfFile: log, encoding: .utf8).contains("sewage_discharge:lac-marion"))
        #expect(try String(contentsOfFile: log + ".1", encoding: .utf8).split(separator: "\n").count == 2)
        #expect(try await client.get("/healthz").status == 200)
        // The new probe is a known sensor now: its readings are taken, its bad ones labelled with its id.
        try publisher.publish(
            topic: "cityfeeds/beach/probe-lac-marion/sample", text: #"{"ts":"\#(Timestamp.now.iso8601)","ecoli":-5}"#)
        #expect(publisher.waitForAcknowledgements())
        _ = try await client.waitFor("/v1/ingest") {
            (($0["rejections_by_sensor"] as? [String: Int])?["probe-lac-marion"]) == 1
        }
        let metrics = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"sensor="probe-lac-marion""#))
    }

    /// Exit status of `cityfeedsd run` on `dataDirectory` (the broker need not be there: these fail first),
    /// and what it said.
    func exitOfRun(dataDirectory: URL, extraArguments: [String] = []) throws -> (status: Int32?, said: String) {
        let output = dataDirectory.appending(path: "refused-\(UUID()).log").path
        let process = try ChildProcess(
            executable: Self.binary,
            arguments: [
                "run", "--config", repositoryRoot.appending(path: "config/biarritz.toml").path,
                "--broker", "mqtt://127.0.0.1:1", "--http", "127.0.0.1:0", "--data-dir", dataDirectory.path,
                "--log-level", "warning",
            ] + extraArguments,
            output: output)
        guard let status = process.wait(timeout: 20) else {
            process.kill9()
            return (nil, "still running after 20 s")
        }
        let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        return ((status & 0x7f) == 0 ? (status >> 8) & 0xff : -1, said)
    }

    /// A data directory whose files another user owns (a run as root before the unit's user, say) is refused
    /// at start with the file and its owner, exit 78, instead of failing at the first write.
    @Test(.enabled(if: geteuid() == 0, "needs root to hand the files to another user"))
    func filesTheDaemonsUserCannotWriteExit78() throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-owner")
        // As root: a store, then the directory handed to nobody while the store stays root's.
        do {
            let store = try SeriesStore(configuration: .init(path: directory.appending(path: "cityfeeds.sqlite").path))
            store.close()
        }
        chmod(directory.path, 0o777)
        chmod(directory.deletingLastPathComponent().path, 0o755)
        let output = directory.appending(path: "run.log").path
        let process = try ChildProcess(
            executable: "/usr/bin/setpriv",
            arguments: [
                "--reuid=nobody", "--regid=nogroup", "--clear-groups", Self.binary, "run", "--config",
                repositoryRoot.appending(path: "config/biarritz.toml").path, "--broker", "mqtt://127.0.0.1:1",
                "--http", "127.0.0.1:0", "--data-dir", directory.path, "--log-level", "warning",
            ],
            output: output)
        let status = try #require(process.wait(timeout: 20))
        let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
        #expect((status >> 8) & 0xff == 78, "\(said)")
        #expect(said.contains("cityfeeds.sqlite' is owned by uid 0"), "\(said)")
    }

    /// What a supervisor must not restart exits 78: a data directory another daemon holds, a store, a journal
    /// or an outbox that is not sound.
    @Test func problemsWithTheDataDirectoryExit78() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-exit78")
        let port = try freeLoopbackPort()
        let first = try startDaemon(broker: broker, dataDirectory: directory, httpPort: port)
        let client = HTTPClient(port: port)
        try await waitUntilReady(client)
        let second = try exitOfRun(dataDirectory: directory)
        #expect(second.status == 78, "\(second.said)")
        #expect(second.said.contains("in use by another cityfeedsd (pid \(first.pid))"), "\(second.said)")
        #expect(try await client.get("/healthz").status == 200, "the first one is untouched")
        first.terminate()

        // A store that is not a SQLite database at all.
        let broken = try makeTemporaryDirectory(prefix: "cityfeeds-exit78-store")
        try Data(repeating: 0x42, count: 8_192).write(to: broken.appending(path: "cityfeeds.sqlite"))
        let store = try exitOfRun(dataDirectory: broken)
        #expect(store.status == 78, "\(store.said)")
        #expect(store.said.contains("damaged"), "\(store.said)")

        // A journal with a page scribbled over.
        let journalled = try makeTemporaryDirectory(prefix: "cityfeeds-exit78-journal")
        let journalPath = journalled.appending(path: "alerts.sqlite")
        do {
            var configuration = try DaemonConfiguration.load(
                path: repositoryRoot.appending(path: "config/biarritz.toml").path,
                overrides: .init(dataDirectory: journalled.path))
            configuration.alerts.logPath = journalled.appending(path: "alerts.jsonl").path
            let alerts = try configuration.openAlerts(logger: Logger(label: "test"))
            for index in 0..<40 {
                try alerts.ingest(HostileClientIntegrationTests.spills(1, from: index))
            }
            alerts.close()
        }
        let handle = try FileHandle(forUpdating: journalPath)
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: size / 2 / 4_096 * 4_096 + 8)
        try handle.write(contentsOf: Data(repeating: 0x5A, count: 2_000))
        try handle.close()
        let journal = try exitOfRun(dataDirectory: journalled)
        #expect(journal.status == 78, "\(journal.said)")
        #expect(journal.said.contains("alert journal"), "\(journal.said)")

        // A pair's outbox of operators' writes that another application's file stands in for.
        let foreign = try makeTemporaryDirectory(prefix: "cityfeeds-exit78-outbox")
        try runToCompletion(
            try findExecutable("sqlite3"),
            [foreign.appending(path: "operator-outbox.sqlite").path, "CREATE TABLE notes (text TEXT);"])
        let outbox = try exitOfRun(dataDirectory: foreign)
        #expect(outbox.status == 78, "\(outbox.said)")
        #expect(
            outbox.said.contains("operator outbox") && outbox.said.contains("another application"), "\(outbox.said)")
    }

    /// A message that kills the daemon (a debug build's failpoint stands in for a bug a payload triggers):
    /// restarted as systemd would, the daemon processes the redelivered burst one message at a time, dies once
    /// more on that message alone, then sets it aside and acknowledges it; every other reading is stored once.
    @Test func aMessageThatCrashesTheDaemonIsSetAsideAndTheQueueBehindItFlows() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-poison")
        let port = try freeLoopbackPort()
        let environment = ["CITYFEEDSD_FAILPOINT_CRASH_ON": "poison-pill"]
        var daemon = try startDaemon(broker: broker, dataDirectory: directory, httpPort: port, environment: environment)
        defer { daemon.terminate() }
        let client = HTTPClient(port: port)
        try await waitUntilReady(client)

        // Whole seconds: parking series keep second resolution.
        let start = Timestamp(milliseconds: Timestamp.now.adding(seconds: -3_600).milliseconds / 1_000 * 1_000)
        let publisher = try MQTTPublisher(broker: broker.address)
        defer { publisher.close() }
        func publish(_ index: Int) throws {
            let ts = start.adding(seconds: Double(index)).milliseconds
            try publisher.publish(
                topic: "cityfeeds/parking/casino/occupancy", text: #"{"ts":\#(ts),"occupied":\#(index)}"#)
        }
        for index in 0..<50 { try publish(index) }
        try publisher.publish(
            topic: "cityfeeds/parking/casino/occupancy", text: #"{"occupied":1,"x_note":"poison-pill"}"#)
        for index in 50..<100 { try publish(index) }
        #expect(publisher.waitForAcknowledgements(timeout: .seconds(30)))

        // Restart it whenever it dies, as the unit's Restart=on-failure does.
        var starts = 1
        var quarantined: [[String: Any]] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while quarantined.isEmpty, ContinuousClock.now < deadline {
            if daemon.wait(timeout: 0.2) != nil {
                starts += 1
                daemon = try startDaemon(
                    broker: broker, dataDirectory: directory, httpPort: port, environment: environment)
                continue
            }
            if let document = try? await client.get("/v1/ingest/quarantine").json() {
                quarantined = document["items"] as? [[String: Any]] ?? []
            }
        }
        #expect(quarantined.count == 1)
        #expect(quarantined.first?["topic"] as? String == "cityfeeds/parking/casino/occupancy")
        #expect((quarantined.first?["payload"] as? String)?.contains("poison-pill") == true)
        #expect(starts == 3, "died on the burst, then on the message alone, then set it aside")
        let metrics = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains("cityfeeds_ingest_quarantined 1"))
        #expect((try await client.get("/v1/ingest").json())["quarantined"] as? Int == 1)
        daemon.terminate()
        try expectStoredExactlyOnce(count: 100, start: start, in: directory)
    }
}
