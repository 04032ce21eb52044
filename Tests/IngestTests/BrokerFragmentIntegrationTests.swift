import FeedCore
import Foundation
import Logging
import TestSupport
import Testing

@testable import Ingest

/// `deploy/mosquitto-production.conf` installs as docs/install.md says: mosquitto starts with Debian's stock
/// main file and the fragment in its `conf.d` (certificates, password file and ACL made at test time), and then
/// does what the fragment promises: TLS with passwords, sensors writing their own topics only, cityfeedsd
/// reading them, no anonymous client.
@Suite(.serialized) struct BrokerFragmentIntegrationTests {
    @Test func theProductionFragmentStartsBesideDebiansStockFileAndEnforcesItsRules() async throws {
        let pki = try TestCertificates()
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-fragment")
        let path = { (name: String) in directory.appending(path: name).path }
        let (tlsPort, plainPort) = (try freeLoopbackPort(), try freeLoopbackPort())
        try FileManager.default.createDirectory(atPath: path("conf.d"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: path("persistence"), withIntermediateDirectories: true)

        // Debian's stock main file, with its paths moved under the test's folder.
        let stock = try String(
            contentsOf: repositoryRoot.appending(path: "Tests/IngestTests/Fixtures/debian-mosquitto.conf"),
            encoding: .utf8)
        let main =
            stock.replacingOccurrences(of: "/run/mosquitto/mosquitto.pid", with: path("mosquitto.pid"))
            .replacingOccurrences(of: "/var/lib/mosquitto/", with: path("persistence") + "/")
            .replacingOccurrences(of: "/var/log/mosquitto/mosquitto.log", with: path("mosquitto.log"))
            .replacingOccurrences(of: "/etc/mosquitto/conf.d", with: path("conf.d"))
            + "user \(currentUserName())\n"
        try main.write(toFile: path("mosquitto.conf"), atomically: true, encoding: .utf8)

        // The fragment as shipped, its files and ports moved; loopback only.
        let fragment = try String(
            contentsOf: repositoryRoot.appending(path: "deploy/mosquitto-production.conf"), encoding: .utf8)
        #expect(!fragment.contains("message_size_limit"), "deprecated in mosquitto 2.0: max_packet_size")
        let installed = fragment.replacingOccurrences(of: "/etc/mosquitto/cityfeeds.passwd", with: path("passwd"))
            .replacingOccurrences(of: "/etc/mosquitto/cityfeeds.acl", with: path("acl"))
            .replacingOccurrences(of: "/etc/mosquitto/certs/ca.crt", with: pki.caFile)
            .replacingOccurrences(of: "/etc/mosquitto/certs/broker.crt", with: pki.serverCertificate)
            .replacingOccurrences(of: "/etc/mosquitto/certs/broker.key", with: pki.serverKey)
            .replacingOccurrences(of: "listener 8883\n", with: "listener \(tlsPort) 127.0.0.1\n")
            .replacingOccurrences(of: "listener 1883 127.0.0.1", with: "listener \(plainPort) 127.0.0.1")
        try installed.write(toFile: path("conf.d/cityfeeds.conf"), atomically: true, encoding: .utf8)
        try FileManager.default.copyItem(
            atPath: repositoryRoot.appending(path: "deploy/mosquitto.acl").path, toPath: path("acl"))
        try runToCompletion("mosquitto_passwd", ["-b", "-c", path("passwd"), "cityfeedsd", "daemon secret"])
        try runToCompletion("mosquitto_passwd", ["-b", path("passwd"), "casino", "sensor secret"])

        let broker = try ChildProcess(
            executable: try findExecutable("mosquitto"), arguments: ["-c", path("mosquitto.conf")],
            output: path("stdout.log"))
        defer { broker.terminate() }
        try waitForTCP(port: tlsPort, timeout: 10)

        let tls = TLSSettings(caFile: pki.caFile)
        let address = BrokerAddress(host: "127.0.0.1", port: tlsPort, usesTLS: true)
        let handler = RecordingHandler()
        var configuration = MQTTConsumerConfiguration(
            broker: address, clientID: "cityfeedsd-fragment", subscriptions: ["cityfeeds/#"], username: "cityfeedsd",
            password: "daemon secret")
        configuration.tls = tls
        let consumer = try MQTTConsumer(configuration: configuration, handler: handler, logger: Logger(label: "t"))
        let running = Task { await consumer.run() }
        defer { consumer.stop() }
        let deadline = ContinuousClock.now + .seconds(10)
        while !consumer.status.subscribed && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(consumer.status.subscribed, "\(consumer.status)")

        // A sensor writes its own topic; the ACL drops what it writes elsewhere.
        let sensor = try MQTTPublisher(
            broker: address, clientID: "casino", username: "casino", password: "sensor secret", tls: tls)
        try sensor.publish(topic: "cityfeeds/parking/casino/occupancy", text: "own")
        try sensor.publish(topic: "cityfeeds/parking/halles/occupancy", text: "someone else's")
        // Nor may it pass for an instance of the pair sharing an operator's write.
        try sensor.publish(topic: "cityfeeds/operator", text: "forged write")
        #expect(sensor.waitForAcknowledgements())
        sensor.close()
        try await handler.waitFor(count: 1)
        // The daemons may: that is how a pair shares its operators' writes.
        let instance = try MQTTPublisher(
            broker: address, clientID: "cityfeedsd-b-operator", username: "cityfeedsd", password: "daemon secret",
            tls: tls)
        try instance.publish(topic: "cityfeeds/operator", text: "pair write")
        #expect(instance.waitForAcknowledgements())
        instance.close()
        try await handler.waitFor(count: 2)
        try await Task.sleep(for: .milliseconds(300))
        #expect(handler.payloads == ["own", "pair write"])

        // No anonymous client, and no plain TCP from outside loopback's listener without a password either.
        #expect(throws: (any Error).self) {
            try MQTTPublisher(broker: BrokerAddress(host: "127.0.0.1", port: plainPort), clientID: "anonymous")
        }
        consumer.stop()
        await running.value
        let log = (try? String(contentsOfFile: path("mosquitto.log"), encoding: .utf8)) ?? ""
        #expect(!log.contains("Error"), "\(log.suffix(2_000))")
    }
}
