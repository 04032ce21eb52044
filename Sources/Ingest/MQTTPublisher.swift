import FeedCore
import Foundation
import Synchronization

/// A plain MQTT publisher for the simulator, tests and benchmarks: QoS 0 or 1, with a way to wait until the
/// broker has acknowledged every QoS 1 message.
///
/// libmosquitto runs the network on its own thread here (`mosquitto_loop_start`); once that thread runs, the
/// library's internal mutexes make `mosquitto_publish` safe to call from any thread. That is the invariant
/// behind `@unchecked Sendable`: the handle is only touched through those thread-safe calls after `init`.
public final class MQTTPublisher: @unchecked Sendable {
    private let handle: MosquittoHandle
    private let state = Mutex(State())
    private let condition = NSCondition()

    private struct State {
        var connectResult: Int32?
        var unacknowledged: Set<Int32> = []
    }

    /// Connects (clean session) and waits for the broker's CONNACK.
    public init(
        broker: BrokerAddress, clientID: String? = nil, username: String? = nil, password: String? = nil,
        tls: TLSSettings? = nil, maxInflight: UInt32 = 1_000, timeout: Duration = .seconds(5)
    ) throws {
        handle = try MosquittoHandle(clientID: clientID, cleanSession: true)
        if username != nil || password != nil {
            try handle.setCredentials(username: username, password: password)
        }
        if let tls {
            try handle.setTLS(tls)
        }
        try handle.setMaxInflight(maxInflight)
        handle.callbacks.onConnect = { [unowned self] rc, _ in
            state.withLock { $0.connectResult = rc }
            signal()
        }
        handle.callbacks.onPublish = { [unowned self] mid in
            state.withLock { _ = $0.unacknowledged.remove(mid) }
            signal()
        }
        try handle.connect(host: broker.host, port: Int32(broker.port), keepAliveSeconds: 30)
        try handle.startLibraryThread()
        let connack = waitFor(timeout: timeout) { $0.connectResult }
        guard let connack else {
            handle.stopLibraryThread()
            throw MQTTError(code: MosquittoHandle.noConnection, operation: "waiting for CONNACK from \(broker)")
        }
        guard connack == 0 else {
            handle.stopLibraryThread()
            throw MQTTError(connackCode: connack)
        }
    }

    deinit {
        handle.disconnect()
        handle.stopLibraryThread()
    }

    /// Queues a message. For QoS 1 it counts as outstanding until the broker's PUBACK.
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) throws {
        // Register the id under the lock that the PUBACK callback also takes, so a fast ack cannot be missed.
        try state.withLock { state in
            let mid = try handle.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            if qos > 0 { state.unacknowledged.insert(mid) }
        }
    }

    public func publish(topic: String, text: String, qos: Int32 = 1, retain: Bool = false) throws {
        try publish(topic: topic, payload: Array(text.utf8), qos: qos, retain: retain)
    }

    /// Number of QoS 1 messages the broker has not yet acknowledged.
    public var outstanding: Int { state.withLock { $0.unacknowledged.count } }

    /// Blocks until every QoS 1 message published so far has been acknowledged; `false` on timeout.
    @discardableResult
    public func waitForAcknowledgements(timeout: Duration = .seconds(10)) -> Bool {
        waitFor(timeout: timeout) { $0.unacknowledged.isEmpty ? true : nil } ?? false
    }

    /// Blocks while more than `limit` messages are unacknowledged: a simple flow control for bulk publishing.
    @discardableResult
    public func waitUntilOutstanding(atMost limit: Int, timeout: Duration = .seconds(10)) -> Bool {
        waitFor(timeout: timeout) { $0.unacknowledged.count <= limit ? true : nil } ?? false
    }

    /// Wakes waiters. Taking the condition's lock orders this after a waiter's check, so no wake-up is lost.
    private func signal() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func waitFor<T>(timeout: Duration, _ probe: (State) -> T?) -> T? {
        let (seconds, attoseconds) = timeout.components
        let deadline = Date().addingTimeInterval(Double(seconds) + Double(attoseconds) / 1e18)
        condition.lock()
        defer { condition.unlock() }
        while true {
            if let value = state.withLock({ probe($0) }) { return value }
            if !condition.wait(until: deadline) {
                return state.withLock { probe($0) }
            }
        }
    }
}
