import ArgumentParser
import EventStream
import FeedCore
import Foundation
import Ingest
import Logging
import Synchronization

/// Event-to-alert latency: the time from publishing an outfall's state change on MQTT to the
/// alert transition arriving on the daemon's Server-Sent Events stream, with the JSON Lines log checked at
/// that moment. The reference, measured in the same run on the same broker, is the broker's own round trip:
/// publish to a plain subscriber's receipt. Run through benchmarks/alert-latency.sh.
@main
struct AlertLatencyBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "cityfeeds-bench-alerts")

    @Option(help: "Broker URL.") var broker: String
    @Option(help: "The daemon's HTTP address HOST:PORT.") var http: String
    @Option(help: "The outfall whose state is toggled.") var outfall = "outfall-port-vieux"
    @Option(help: "Topic pattern of outfall states; {sensor} is replaced.") var topic = "cityfeeds/sewer/{sensor}/state"
    @Option(help: "Alert transitions each state change causes (one per linked beach).") var eventsPerChange = 2
    @Option(help: "State changes to time.") var count = 1_000
    @Option(help: "The daemon's alert log, checked when each event arrives.") var log: String?

    func run() throws {
        let address = try BrokerAddress(parsing: broker)
        let reference = try measureBroker(address)
        let daemon = try measureDaemon(address)
        print("")
        report("broker round trip (reference)", reference.latencies)
        report("MQTT -> alert on SSE stream", daemon.latencies)
        if log != nil {
            print("alert log already held the transition when it reached the stream: \(daemon.logged)/\(count)")
        }
        let ratio = percentile(daemon.latencies, 0.99) / percentile(reference.latencies, 0.99)
        print(String(format: "p99 ratio (daemon / broker round trip): %.2f", ratio))
        print(
            String(format: "goal: p99 under 10 ms -> %@", percentile(daemon.latencies, 0.99) < 10 ? "met" : "NOT met"))
    }

    // MARK: Reference

    final class Arrivals: MessageBurstHandler {
        let seen = Mutex<(count: Int, waiting: Int?)>((0, nil))
        let condition = NSCondition()

        func handle(burst: [InboundMessage]) throws {
            seen.withLock { $0.count += burst.count }
            condition.lock()
            condition.broadcast()
            condition.unlock()
        }

        func wait(until count: Int) {
            condition.lock()
            while seen.withLock({ $0.count }) < count { _ = condition.wait(until: Date().addingTimeInterval(1)) }
            condition.unlock()
        }
    }

    func measureBroker(_ address: BrokerAddress) throws -> (latencies: [Double], Void) {
        let arrivals = Arrivals()
        let consumer = try MQTTConsumer(
            configuration: MQTTConsumerConfiguration(
                broker: address, clientID: "bench-reference-\(getpid())", subscriptions: ["bench/latency/#"]),
            handler: arrivals, logger: Logger(label: "bench"))
        let thread = Thread { Task { await consumer.run() } }
        thread.start()
        defer { consumer.stop() }
        while consumer.status.state != .connected { Thread.sleep(forTimeInterval: 0.01) }
        Thread.sleep(forTimeInterval: 0.2)
        let publisher = try MQTTPublisher(broker: address)
        defer { publisher.close() }
        var latencies: [Double] = []
        for index in 0..<count {
            let start = ContinuousClock.now
            try publisher.publish(topic: "bench/latency/x", text: "\(index)")
            arrivals.wait(until: index + 1)
            latencies.append(milliseconds(ContinuousClock.now - start))
        }
        return (latencies, ())
    }

    // MARK: The daemon

    func measureDaemon(_ address: BrokerAddress) throws -> (latencies: [Double], logged: Int) {
        let parts = http.split(separator: ":")
        guard parts.count == 2, let port = Int(parts[1]) else { throw ValidationError("--http must be HOST:PORT") }
        let host = String(parts[0])
        let stream = try EventStreamClient(host: host, port: port, path: "/v1/alerts/stream")
        guard stream.status == 200 else { throw ValidationError("the stream answered \(stream.status)") }
        // The stream starts live: nothing replayed without Last-Event-ID.
        let publisher = try MQTTPublisher(broker: address)
        defer { publisher.close() }
        let states = ["discharging", "stopped"]
        var latencies: [Double] = []
        var logged = 0
        var lastTime = Timestamp.now.milliseconds
        for index in 0..<count {
            lastTime = max(lastTime + 1, Timestamp.now.milliseconds)
            let time = Timestamp(milliseconds: lastTime)
            let start = ContinuousClock.now
            try publisher.publish(
                topic: topic.replacingOccurrences(of: "{sensor}", with: outfall),
                text: #"{"ts":"\#(time.iso8601)","state":"\#(states[index % 2])"}"#)
            guard let first = try stream.nextEvent() else { throw ValidationError("the stream ended") }
            latencies.append(milliseconds(ContinuousClock.now - start))
            if let log, let id = first.id, logHolds(log, sequence: id) { logged += 1 }
            for _ in 1..<max(eventsPerChange, 1) { _ = try stream.nextEvent() }
        }
        return (latencies, logged)
    }

    /// Whether the log's tail has the line of `sequence`.
    func logHolds(_ path: String, sequence: String) -> Bool {
        guard let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 8_192 ? size - 8_192 : 0)
        let tail = String(decoding: (try? handle.readToEnd()) ?? Data(), as: UTF8.self)
        return tail.contains("\"sequence\":\(sequence)}")
    }

    // MARK: Figures

    func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1_000 + Double(attoseconds) / 1e15
    }

    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    func report(_ name: String, _ values: [Double]) {
        print(
            String(
                format: "%-32@ n=%d  p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  max %.2f ms", name as NSString,
                values.count,
                percentile(values, 0.5), percentile(values, 0.9), percentile(values, 0.99), values.max() ?? .nan))
    }
}
