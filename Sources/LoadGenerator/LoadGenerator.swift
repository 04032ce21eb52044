import ArgumentParser
import FeedCore
import Foundation
import Ingest

/// `cityfeeds-loadgen`: publishes numbered car-park readings as fast as the broker takes them, for the
/// ingest benchmark (`benchmarks/ingest-throughput.sh`). `mosquitto_pub -l` cannot do this: with many lines
/// it stops after a few thousand messages (its 16-bit message ids wrap).
@main
struct LoadGenerator: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cityfeeds-loadgen", abstract: "Publish numbered readings to a broker as fast as it takes them.")

    @Option(help: "Broker URL.")
    var broker: String = "mqtt://127.0.0.1:1883"

    @Option(help: "Messages to publish.")
    var count: Int = 100_000

    @Option(help: "QoS 0 or 1.")
    var qos: Int32 = 1

    @Option(help: "Topic; every message is a reading of the same sensor at its own millisecond.")
    var topic: String = "cityfeeds/parking/casino/occupancy"

    @Option(help: "QoS 1 messages allowed in flight before waiting for acknowledgements.")
    var window: Int = 1_000

    @Option(
        help: """
            Publish the messages of this file instead, one per line as topic, a tab, then the payload \
            (benchmarks/scale.sh writes them for a generated city); --count and --topic are then ignored.
            """)
    var messages: String?

    func run() throws {
        let publisher = try MQTTPublisher(broker: try BrokerAddress(parsing: broker), maxInflight: UInt32(window))
        let clock = ContinuousClock()
        let began = clock.now
        var published = 0
        func send(_ topic: String, _ payload: String) throws {
            try publisher.publish(topic: topic, text: payload, qos: qos)
            published += 1
            if qos > 0 && published % 256 == 0 {
                publisher.waitUntilOutstanding(atMost: window, timeout: .seconds(60))
            }
        }
        if let messages {
            for line in try String(contentsOfFile: messages, encoding: .utf8).split(separator: "\n") {
                guard let tab = line.firstIndex(of: "\t") else {
                    throw ValidationError("\(messages): a line without a tab: \(line.prefix(80))")
                }
                try send(String(line[..<tab]), String(line[line.index(after: tab)...]))
            }
        } else {
            let start = Timestamp.now.adding(seconds: -Double(count) / 1000 - 60)
            for index in 0..<count {
                let ts = start.milliseconds + Int64(index)
                try send(topic, #"{"ts":\#(ts),"occupied":\#(index % 400)}"#)
            }
        }
        guard publisher.waitForAcknowledgements(timeout: .seconds(120)) else {
            throw ValidationError("the broker did not acknowledge every message")
        }
        publisher.close()  // QoS 0 messages count once they are written
        let elapsed = clock.now - began
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print(
            String(
                format: "published %d messages at QoS %d in %.3f s: %.0f msg/s", published, qos, seconds,
                Double(published) / seconds))
    }
}
