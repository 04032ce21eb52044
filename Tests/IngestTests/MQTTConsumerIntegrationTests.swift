import FeedCore
import Foundation
import Logging
import Synchronization
import TestSupport
import Testing

@testable import Ingest

/// Collects what the consumer hands over; can be told to fail the next bursts, as a failed commit would.
final class RecordingHandler: MessageBurstHandler {
    private let state = Mutex((payloads: [String](), failuresLeft: 0, bursts: 0))

    init(failFirst failures: Int = 0) {
        state.withLock { $0.failuresLeft = failures }
    }

    func handle(burst: [InboundMessage]) throws {
        try state.withLock { state in
            state.bursts += 1
            if state.failuresLeft > 0 {
                state.failuresLeft -= 1
                throw TestSupportError("simulated commit failure")
            }
            state.payloads += burst.map { String(decoding: $0.payload, as: UTF8.self) }
        }
    }

    var payloads: [String] { state.withLock { $0.payloads } }
    var bursts: Int { state.withLock { $0.bursts } }

    func waitFor(count: Int, timeout: Duration = .seconds(20)) async throws {
        let deadline = ContinuousClock.now + timeout
        while Set(payloads).count < count && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

@Suite(.serialized) struct MQTTConsumerIntegrationTests {
    let logger = Logger(label: "test")

    func makeConsumer(
        _ broker: TestBroker, handler: RecordingHandler, topic: String, clientID: String = "test-\(UUID())"
    ) throws -> MQTTConsumer {
        var configuration = MQTTConsumerConfiguration(
            broker: broker.address, clientID: clientID, subscriptions: [topic])
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maxReconnectDelay = .milliseconds(500)
        return try MQTTConsumer(configuration: configuration, handler: handler, logger: logger)
    }

    /// Until the broker has granted the subscriptions (SUBACK): from then on, every publish reaches us.
    func waitUntilConnected(_ consumer: MQTTConsumer) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !consumer.status.subscribed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(consumer.status.state == .connected)
        #expect(consumer.status.subscribed)
    }

    @Test func receivesEveryQoS1MessagePublished() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let handler = RecordingHandler()
        let consumer = try makeConsumer(broker, handler: handler, topic: "t1/#")
        let running = Task { await consumer.run() }
        try await waitUntilConnected(consumer)

        let publisher = try MQTTPublisher(broker: broker.address)
        for index in 0..<2_000 {
            try publisher.publish(topic: "t1/s", text: "\(index)")
            if index % 500 == 499 { publisher.waitUntilOutstanding(atMost: 100) }
        }
        #expect(publisher.waitForAcknowledgements())
        try await handler.waitFor(count: 2_000)
        consumer.stop()
        await running.value

        #expect(Set(handler.payloads) == Set((0..<2_000).map(String.init)))
        #expect(handler.bursts < 2_000, "messages should arrive in bursts, not one commit each")
    }

    /// The heart of the no-loss rule: a burst whose commit fails is not acknowledged, so the broker delivers it again.
    @Test func aBurstThatFailsToCommitIsRedelivered() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let clientID = "redelivery-\(UUID())"
        // First connect once so that the broker holds a persistent session (and queues) for this client.
        let handler = RecordingHandler(failFirst: 1)
        let consumer = try makeConsumer(broker, handler: handler, topic: "t2/#", clientID: clientID)
        let running = Task { await consumer.run() }
        try await waitUntilConnected(consumer)

        let publisher = try MQTTPublisher(broker: broker.address)
        for index in 0..<50 { try publisher.publish(topic: "t2/s", text: "m\(index)") }
        #expect(publisher.waitForAcknowledgements())
        try await handler.waitFor(count: 50)
        consumer.stop()
        await running.value

        #expect(Set(handler.payloads) == Set((0..<50).map { "m\($0)" }))
        #expect(consumer.status.reconnects >= 1, "the failed commit must have dropped the connection")
    }

    @Test func messagesPublishedWhileTheConsumerIsAwayArriveOnItsReturn() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let clientID = "session-\(UUID())"
        let first = RecordingHandler()
        let consumer = try makeConsumer(broker, handler: first, topic: "t3/#", clientID: clientID)
        let running = Task { await consumer.run() }
        try await waitUntilConnected(consumer)
        consumer.stop()
        await running.value

        let publisher = try MQTTPublisher(broker: broker.address)
        for index in 0..<300 { try publisher.publish(topic: "t3/s", text: "q\(index)") }
        #expect(publisher.waitForAcknowledgements())

        let second = RecordingHandler()
        let again = try makeConsumer(broker, handler: second, topic: "t3/#", clientID: clientID)
        let rerun = Task { await again.run() }
        try await second.waitFor(count: 300)
        #expect(again.status.sessionPresent)
        again.stop()
        await rerun.value
        #expect(Set(second.payloads) == Set((0..<300).map { "q\($0)" }))
    }

    @Test func startsWithoutABrokerAndConnectsWhenOneAppears() async throws {
        let port = try freeLoopbackPort()
        let handler = RecordingHandler()
        var configuration = MQTTConsumerConfiguration(
            broker: BrokerAddress(host: "127.0.0.1", port: port), clientID: "late-\(UUID())", subscriptions: ["t4/#"])
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maxReconnectDelay = .milliseconds(200)
        let consumer = try MQTTConsumer(configuration: configuration, handler: handler, logger: logger)
        let running = Task { await consumer.run() }
        try await Task.sleep(for: .milliseconds(300))
        #expect(consumer.status.state != .connected)
        #expect(consumer.status.lastError != nil)

        let broker = try TestBroker(port: port)
        defer { broker.stop() }
        try await waitUntilConnected(consumer)
        let publisher = try MQTTPublisher(broker: broker.address)
        try publisher.publish(topic: "t4/s", text: "hello")
        #expect(publisher.waitForAcknowledgements())
        try await handler.waitFor(count: 1)
        consumer.stop()
        await running.value
        #expect(handler.payloads == ["hello"])
    }
}

@Suite struct MQTTPublisherFailureTests {
    /// A refused connection must fail at once, and the failed publisher must go away cleanly: its `deinit`
    /// used to wait for a network thread that was never started.
    @Test(.timeLimit(.minutes(1))) func aPublisherThatCannotConnectFailsWithoutHanging() throws {
        let port = try freeLoopbackPort()
        for _ in 0..<3 {
            #expect(throws: MQTTError.self) {
                _ = try MQTTPublisher(broker: BrokerAddress(host: "127.0.0.1", port: port), timeout: .seconds(1))
            }
        }
    }
}
