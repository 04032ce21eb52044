import FeedCore
import Foundation
import Logging
import TestSupport
import Testing

@testable import Ingest

/// TLS and credentials against a real mosquitto: certificates made with openssl at test time.
@Suite(.serialized) struct MQTTSecurityIntegrationTests {
    let logger = Logger(label: "security-test")
    static let certificates = Result { try TestCertificates() }

    func consumer(
        _ broker: TestBroker, tls: TLSSettings?, username: String? = nil, password: String? = nil,
        subscriptions: [String] = ["s/#"], handler: RecordingHandler
    ) throws -> MQTTConsumer {
        var configuration = MQTTConsumerConfiguration(
            broker: BrokerAddress(host: "127.0.0.1", port: broker.port, usesTLS: tls != nil),
            clientID: "secure-\(UUID())", subscriptions: subscriptions, username: username, password: password)
        configuration.tls = tls
        configuration.initialReconnectDelay = .milliseconds(50)
        configuration.maxReconnectDelay = .seconds(5)
        return try MQTTConsumer(configuration: configuration, handler: handler, logger: logger)
    }

    func waitForState(
        _ consumer: MQTTConsumer, timeout: Duration = .seconds(10), _ condition: (ConnectionStatus) -> Bool
    )
        async throws
    {
        let deadline = ContinuousClock.now + timeout
        while !condition(consumer.status) && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func connectsOverTLSWithAClientCertificateAndReceives() async throws {
        let pki = try Self.certificates.get()
        let broker = try TestBroker(extraConfiguration: pki.brokerConfiguration(requireClientCertificate: true))
        defer { broker.stop() }
        let tls = TLSSettings(caFile: pki.caFile, certificateFile: pki.clientCertificate, keyFile: pki.clientKey)
        let handler = RecordingHandler()
        let subscriber = try consumer(broker, tls: tls, handler: handler)
        let running = Task { await subscriber.run() }
        try await waitForState(subscriber) { $0.subscribed }
        #expect(subscriber.status.state == .connected)
        #expect(subscriber.status.subscribed)

        let publisher = try MQTTPublisher(
            broker: BrokerAddress(host: "127.0.0.1", port: broker.port, usesTLS: true), tls: tls)
        for index in 0..<100 { try publisher.publish(topic: "s/x", text: "tls-\(index)") }
        #expect(publisher.waitForAcknowledgements())
        try await handler.waitFor(count: 100)
        subscriber.stop()
        await running.value
        #expect(Set(handler.payloads) == Set((0..<100).map { "tls-\($0)" }))
    }

    @Test func aBrokerCertificateFromAnotherCAIsRefused() async throws {
        let pki = try Self.certificates.get()
        let broker = try TestBroker(extraConfiguration: pki.brokerConfiguration(requireClientCertificate: false))
        defer { broker.stop() }
        let subscriber = try consumer(broker, tls: TLSSettings(caFile: pki.otherCAFile), handler: RecordingHandler())
        let running = Task { await subscriber.run() }
        try await waitForState(subscriber) { $0.attempts >= 2 && $0.lastError != nil }
        subscriber.stop()
        await running.value
        #expect(subscriber.status.state != .connected)
        #expect(subscriber.status.reconnects == 0)
        #expect(subscriber.status.lastError?.contains("TLS") == true, "\(subscriber.status.lastError ?? "")")
    }

    @Test func aPlainClientCannotTalkToATLSListener() async throws {
        let pki = try Self.certificates.get()
        let broker = try TestBroker(extraConfiguration: pki.brokerConfiguration(requireClientCertificate: false))
        defer { broker.stop() }
        let subscriber = try consumer(broker, tls: nil, handler: RecordingHandler())
        let running = Task { await subscriber.run() }
        try await waitForState(subscriber) { $0.attempts >= 2 }
        subscriber.stop()
        await running.value
        #expect(subscriber.status.reconnects == 0)
        #expect(subscriber.status.state != .connected)
    }

    @Test func refusedCredentialsGiveAClearErrorAndNoTightRetryLoop() async throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-passwd")
        let passwords = directory.appending(path: "passwords").path
        try runToCompletion("mosquitto_passwd", ["-b", "-c", passwords, "cityfeedsd", "correct horse"])
        let broker = try TestBroker(extraConfiguration: "allow_anonymous false\npassword_file \(passwords)\n")
        defer { broker.stop() }

        let wrong = try consumer(
            broker, tls: nil, username: "cityfeedsd", password: "battery staple", handler: RecordingHandler())
        let running = Task { await wrong.run() }
        try await waitForState(wrong) { $0.lastError?.contains("not authori") == true }
        try await Task.sleep(for: .milliseconds(1_500))
        wrong.stop()
        await running.value
        #expect(wrong.status.lastError?.contains("not authori") == true, "\(wrong.status.lastError ?? "nil")")
        #expect(wrong.status.attempts <= 2, "a refused connection must back off (\(wrong.status.attempts) attempts)")

        let handler = RecordingHandler()
        let right = try consumer(broker, tls: nil, username: "cityfeedsd", password: "correct horse", handler: handler)
        let rerun = Task { await right.run() }
        try await waitForState(right) { $0.state == .connected }
        #expect(right.status.state == .connected)
        right.stop()
        await rerun.value
    }

    /// Connected is not enough: until the broker has granted every subscription (SUBACK), the consumer does not
    /// count as subscribed, and a subscription that cannot be made is named, so the daemon does not report
    /// itself ready while deaf to a topic. (mosquitto 2.0 grants MQTT 3.1.1 subscriptions that its ACL will
    /// never deliver, so the refusal is provoked here with a filter the client library refuses to send.)
    @Test func aSubscriptionThatCannotBeMadeIsReportedAndNeverCountsAsSubscribed() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }

        let refused = try consumer(
            broker, tls: nil, subscriptions: ["s/#", "bad/#/filter"], handler: RecordingHandler())
        let running = Task { await refused.run() }
        try await waitForState(refused) { $0.state == .connected }
        try await Task.sleep(for: .milliseconds(300))  // time for the SUBACK of s/#: it must not make us ready
        #expect(refused.status.state == .connected)
        #expect(!refused.status.subscribed)
        #expect(refused.status.lastError?.hasPrefix("the subscription to bad/#/filter could not be sent") == true)
        refused.stop()
        await running.value

        let granted = try consumer(broker, tls: nil, subscriptions: ["s/#", "t/+/x"], handler: RecordingHandler())
        let rerun = Task { await granted.run() }
        try await waitForState(granted) { $0.subscribed }
        #expect(granted.status.subscribed)
        #expect(granted.status.lastError == nil)
        granted.stop()
        await rerun.value
        #expect(!granted.status.subscribed, "a closed session is not subscribed")
    }
}
