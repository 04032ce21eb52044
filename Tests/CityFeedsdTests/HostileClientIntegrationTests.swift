import Alerts
import EventStream
import FeedCore
import Foundation
import Ingest
import Parking
import Synchronization
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// Clients that do not play along and files that fail, against the whole daemon over real sockets: stream
/// clients that never read, large answers to clients that close after them, an alert log on a full disk.
@Suite(.serialized) struct HostileClientIntegrationTests {
    typealias Connection = RawHTTPConnection

    /// `count` spills of Port Vieux's outfall, each over long before the next, starting at hour `from`
    /// (hours are counted from 2026-07-01): a few transitions each.
    static func spills(_ count: Int, from start: Int) -> [Reading] {
        let origin = Timestamp(milliseconds: 1_782_864_000_000)
        return (start..<(start + count)).flatMap { index -> [Reading] in
            let began = origin.adding(seconds: Double(index) * 100 * 3_600)
            return [
                Reading(sensor: "outfall-port-vieux", metric: .overflowState, time: began, value: 1, received: began),
                Reading(
                    sensor: "outfall-port-vieux", metric: .overflowState, time: began.adding(seconds: 3_600), value: 0,
                    received: began),
            ]
        }
    }

    /// Reads the stream from `after` until `last`, reconnecting with `Last-Event-ID` when the daemon ends it,
    /// as a browser's EventSource does; returns every id received, in order.
    static func follow(port: Int, after: Int64, through last: Int64) throws -> (ids: [Int64], ends: [String]) {
        var ids: [Int64] = []
        var ends: [String] = []
        var lastSeen = after
        while lastSeen < last {
            let stream = try EventStreamClient(
                host: "127.0.0.1", port: port, path: "/v1/alerts/stream", headers: ["Last-Event-ID": String(lastSeen)])
            while lastSeen < last, let event = try stream.nextEvent() {
                if event.event == "end" { ends.append(event.data) }
                guard let id = event.id.flatMap({ Int64($0) }) else { continue }
                ids.append(id)
                lastSeen = id
            }
        }
        return (ids, ends)
    }

    /// Twenty clients open the stream and never read while thousands of transitions happen: each is ended
    /// once its queue is full and cut once it takes nothing for the idle timeout; a client that reads gets
    /// every transition, in order, and the daemon stops promptly.
    @Test(.timeLimit(.minutes(2))) func streamClientsThatNeverReadAreCutAndCostOthersNothing() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-hostile")
        var configuration = try DaemonConfiguration.load(
            path: repositoryRoot.appending(path: "config/biarritz.toml").path,
            overrides: .init(
                broker: broker.address.description, httpListen: "127.0.0.1:0", dataDirectory: directory.path))
        configuration.http.idleTimeoutSeconds = 2
        configuration.http.streamQueue = 64
        let stopped = Mutex<ContinuousClock.Instant?>(nil)
        let lastReader = Mutex<Task<[ServerSentEvent], any Error>?>(nil)
        try await runningDaemon(configuration) { client, daemon in
            var sleepers: [Connection] = []
            for _ in 0..<20 {
                let sleeper = try Connection(port: client.port, receiveBuffer: 4_096)
                try sleeper.send(Connection.request("GET", "/v1/alerts/stream"))
                sleepers.append(sleeper)
            }
            try await Task.sleep(for: .milliseconds(200))
            let port = client.port
            // Two spills a step (fewer transitions than the queue holds), until the sleepers' buffers are full.
            let reader = Task.detached { try Self.follow(port: port, after: 0, through: 2_400) }
            var step = 0
            while daemon.alerts.lastSequence < 2_400 {
                try daemon.alerts.ingest(Self.spills(2, from: step))
                step += 2
                if step % 40 == 0 { try await Task.sleep(for: .milliseconds(5)) }
            }
            let (ids, _) = try await reader.value
            #expect(ids == Array(1...ids.count).map(Int64.init), "every transition, in order, none twice")
            #expect(ids.last == 2_400 || ids.count >= 2_400)
            #expect(daemon.alerts.subscribersEndedTooSlow >= 20)

            // Cut within the idle timeout of taking nothing: left are this request's connection and, at most,
            // the reader's last one (a stream notices its client left at its next keep-alive).
            var connections = -1
            for _ in 0..<100 where !(0...2).contains(connections) {
                try await Task.sleep(for: .milliseconds(100))
                let metrics = String(decoding: try await client.raw("/metrics").body, as: UTF8.self)
                let line = metrics.split(separator: "\n").first { $0.hasPrefix("cityfeeds_http_connections ") }
                connections = line.flatMap { Int($0.split(separator: " ").last ?? "") } ?? -1
            }
            #expect((1...2).contains(connections), "\(connections) connections open")
            // A fresh stream still works.
            let live = try await client.events("/v1/alerts/stream", count: 1, headers: ["Last-Event-ID": "2399"])
            #expect(live.map(\.id) == ["2400"])
            // Leave twenty more stalled clients behind for the shutdown.
            for _ in 0..<20 {
                let sleeper = try Connection(port: client.port, receiveBuffer: 4_096)
                try sleeper.send(Connection.request("GET", "/v1/alerts/stream", headers: ["Last-Event-ID: 0"]))
                sleepers.append(sleeper)
            }
            // And one live client that reads: the shutdown ends its stream with a last event saying why. The
            // shutdown waits until its stream is answered (behind twenty catch-ups, that may take a while).
            let answered = Atomic<Bool>(false)
            let live2 = Task.detached { () -> [ServerSentEvent] in
                let stream = try EventStreamClient(host: "127.0.0.1", port: port, path: "/v1/alerts/stream")
                answered.store(true, ordering: .releasing)
                var events: [ServerSentEvent] = []
                while let event = try stream.nextEvent() { events.append(event) }
                return events
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while !answered.load(ordering: .acquiring) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(20))
            }
            try await Task.sleep(for: .milliseconds(200))
            stopped.withLock { $0 = .now }
            lastReader.withLock { $0 = live2 }
        }
        let shutdown = ContinuousClock.now - (stopped.withLock { $0 } ?? .now)
        #expect(shutdown < .seconds(10), "stalled stream clients must not hold up the shutdown (took \(shutdown))")
        let ended = try await lastReader.withLock { $0 }?.value ?? []
        #expect(ended.last?.event == "end")
        #expect(ended.last?.data.contains(#""reason":"shutdown""#) == true, "\(ended.last?.data ?? "no event")")
    }

    /// A large polled document (8,000 car parks, about 5 MB) to clients that close after it, HTTP/1.0 or
    /// `Connection: close`, reading slowly: every byte arrives.
    @Test func largeAnswersAreWholeForClientsThatCloseAfterThem() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(
            brokerURL: broker.address.description,
            adjust: { configuration in
                let template = configuration.carParks[0]
                configuration.parking.carParks += (0..<8_000).map { index in
                    var copy = template
                    copy.id = "copy-\(index)"
                    copy.sensor = SensorID("copy-\(index)")
                    return copy
                }
            }
        ) { client in
            for (target, version, headers) in [
                ("/v1/parking", "HTTP/1.0", [String]()), ("/v1/parking", "HTTP/1.1", ["Connection: close"]),
                ("/v1/parking?bbox=-180,-90,180,90", "HTTP/1.1", ["Connection: close"]),
            ] {
                let connection = try Connection(port: client.port, receiveBuffer: 16_384)
                try connection.send(Connection.request("GET", target, version: version, headers: headers))
                try await Task.sleep(for: .milliseconds(300))
                let answer = try connection.response()
                #expect(answer.status == 200, "\(target) \(version)")
                #expect(answer.body.count > 3_000_000, "\(target) \(version)")
                #expect(
                    answer.headers["content-length"].flatMap { Int($0) } == answer.body.count, "\(target) \(version)")
                #expect(try connection.isClosedByServer())
            }
        }
    }

    /// The alert log on a full disk: `/readyz` says so and `/metrics` counts it while the journal keeps every
    /// transition; once there is room, the log catches up by itself and the daemon is ready again.
    @Test func aFullLogDiskShowsInReadyzAndMetricsAndRecovers() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-full-log")
        let logPath = directory.appending(path: "alerts.jsonl").path
        try FileManager.default.createSymbolicLink(atPath: logPath, withDestinationPath: "/dev/full")
        var configuration = try DaemonConfiguration.load(
            path: repositoryRoot.appending(path: "config/biarritz.toml").path,
            overrides: .init(
                broker: broker.address.description, httpListen: "127.0.0.1:0", dataDirectory: directory.path))
        configuration.alerts.logPath = logPath
        try await runningDaemon(configuration) { client, daemon in
            _ = try await client.waitFor("/readyz") { ($0["ready"] as? Bool) == true }
            try daemon.alerts.ingest(Self.spills(2, from: 0))
            let journalled = daemon.alerts.lastSequence
            let failing = try await client.get("/readyz")
            #expect(failing.status == 503)
            let document = try failing.json()
            let problems = document["problems"] as? [String] ?? []
            #expect(problems.contains { $0.contains("alert log cannot be written") }, "\(problems)")
            #expect((document["alert_log"] as? [String: Any])?["logged_through"] as? Int == 0)
            let metrics = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
            #expect(metrics.contains("cityfeeds_alert_log_healthy 0"))
            #expect(metrics.contains("cityfeeds_alert_log_behind \(journalled)"))

            try FileManager.default.removeItem(atPath: logPath)
            _ = FileManager.default.createFile(atPath: logPath, contents: nil)
            let recovered = try await client.waitFor("/readyz", timeout: .seconds(10)) {
                ($0["ready"] as? Bool) == true
            }
            #expect((recovered["alert_log"] as? [String: Any])?["logged_through"] as? Int == Int(journalled))
            let lines = try String(contentsOfFile: logPath, encoding: .utf8).split(separator: "\n")
            #expect(lines.count == Int(journalled))
            let healthy = String(decoding: try await client.get("/metrics").body, as: UTF8.self)
            #expect(healthy.contains("cityfeeds_alert_log_healthy 1"))
            #expect(healthy.contains("cityfeeds_store_integrity_ok 1"))
        }
    }
}
