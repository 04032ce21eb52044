import CoreMetrics
import FeedCore
import Foundation
import Ingest
import Logging
import RequestParsing
import ServiceLifecycle

/// The writes taken here that the pair has not been sent yet, oldest first. Bounded: should the broker stay
/// away through more writes than it holds, the newest are refused (counted and logged), never memory spent.
package final class OperatorActionOutbox: Sendable {
    let messages: AsyncStream<OperatorActionMessage>
    private let continuation: AsyncStream<OperatorActionMessage>.Continuation
    private let logger: Logger
    private let unshared: Counter

    /// An outbox holding at most `capacity` writes.
    package init(capacity: Int = 10_000, metrics: any MetricsFactory, logger: Logger) {
        (messages, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(capacity))
        self.logger = logger
        unshared = Counter(
            label: "cityfeeds_operator_actions_total", dimensions: [("outcome", "unshared")], factory: metrics)
    }

    func enqueue(_ message: OperatorActionMessage) {
        if case .dropped = continuation.yield(message) { dropped(message, reason: "the outbox is full") }
    }

    /// No more writes: what is queued is still sent.
    func finish() { continuation.finish() }

    func dropped(_ message: OperatorActionMessage, reason: String) {
        unshared.increment()
        logger.error(
            "operator write not shared with the pair: apply it on the other instance by hand",
            metadata: ["reason": "\(reason)", "write": "\(String(decoding: message.encoded, as: UTF8.self))"])
    }
}

/// Publishes the outbox's writes on `mqtt.operator_topic`, one at a time and in order, each at QoS 1 and
/// confirmed by the broker before the next; while the broker is away it retries with backoff. The broker then
/// keeps each write for the other instance's persistent session, even while that instance is down.
/// On shutdown it sends what is queued if the broker answers, and gives up on the rest once it does not.
package struct OperatorActionSharing: Service {
    let outbox: OperatorActionOutbox
    let topic: String
    let configuration: DaemonConfiguration
    let logger: Logger
    let shared: Counter

    /// Shares `outbox`'s writes on `topic` through the broker of `configuration`.
    package init(
        outbox: OperatorActionOutbox, topic: String, configuration: DaemonConfiguration, metrics: any MetricsFactory,
        logger: Logger
    ) {
        self.outbox = outbox
        self.topic = topic
        self.configuration = configuration
        self.logger = logger
        shared = Counter(
            label: "cityfeeds_operator_actions_total", dimensions: [("outcome", "shared")], factory: metrics)
    }

    package func run() async throws {
        var publisher: MQTTPublisher?
        defer { publisher?.close() }
        await withGracefulShutdownHandler {
            var backoff = Duration.seconds(1)
            // Once the broker fails a write during shutdown, the rest are not tried: stopping must not wait.
            var givenUp = false
            for await message in outbox.messages {
                while !givenUp {
                    if publisher == nil {
                        publisher = await connectPublisher(configuration, suffix: "-operator")
                    }
                    if let connected = publisher, await send(message, through: connected) {
                        shared.increment()
                        backoff = .seconds(1)
                        break
                    }
                    publisher?.close()
                    publisher = nil
                    if Task.isShuttingDownGracefully || Task.isCancelled {
                        givenUp = true
                    } else {
                        logger.warning("operator write not yet shared: the broker did not confirm it; retrying")
                        // In short naps: a shutdown must not wait out a 30-second backoff.
                        let retryAt = ContinuousClock.now + backoff
                        while ContinuousClock.now < retryAt && !Task.isShuttingDownGracefully && !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                        backoff = min(backoff * 2, .seconds(30))
                    }
                }
                if givenUp { outbox.dropped(message, reason: "the broker did not confirm it before shutdown") }
            }
        } onGracefulShutdown: {
            outbox.finish()
        }
    }

    /// Publishes `message` and waits (on a thread of its own) for the broker's acknowledgement.
    private func send(_ message: OperatorActionMessage, through publisher: MQTTPublisher) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [topic] in
                do {
                    try publisher.publish(topic: topic, payload: message.encoded, qos: 1, retain: false)
                    continuation.resume(returning: publisher.waitForAcknowledgements(timeout: .seconds(10)))
                } catch {
                    continuation.resume(returning: false)
                }
            }
        }
    }
}

/// Connects a publisher with the daemon's credentials and the client id `mqtt.client_id` + `suffix`, on a
/// thread of its own: the attempt blocks for up to its timeout, and the cooperative pool (two threads on a
/// two-core machine) must not wait for it. `nil` when the broker does not answer.
func connectPublisher(_ configuration: DaemonConfiguration, suffix: String) async -> MQTTPublisher? {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                returning: try? MQTTPublisher(
                    broker: configuration.mqtt.broker, clientID: configuration.mqtt.clientID + suffix,
                    username: configuration.mqtt.username, password: configuration.mqtt.password,
                    tls: configuration.mqtt.tls))
        }
    }
}
