import FeedCore
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A plain MQTT publisher for the simulator, tests and benchmarks: QoS 0 or 1, with a way to wait until the
/// broker has acknowledged every QoS 1 message. It reconnects by itself if the broker goes away.
///
/// Like `MQTTConsumer` it drives libmosquitto (threaded mode) from a `poll` loop on a thread of its own,
/// never libmosquitto's `select`-based `mosquitto_loop_start`, which aborts once a process has more than
/// 1,024 file descriptors open.
///
/// `@unchecked Sendable`: the handle is shared between the caller's thread (`mosquitto_publish`, which
/// libmosquitto guards with its own mutexes in threaded mode) and the loop thread (the network calls); all
/// other state is behind `state`'s lock.
public final class MQTTPublisher: @unchecked Sendable {
    private let handle: MosquittoHandle
    private let broker: BrokerAddress
    private let state = Mutex(State())
    private let condition = NSCondition()
    private let wakeReader: Int32
    private let wakeWriter: Int32
    private let finished = NSCondition()

    private struct State {
        var connectResult: Int32?
        var unacknowledged: Set<Int32> = []
        var stopRequested = false
        var loopFinished = false
    }

    /// Connects (clean session) and waits for the broker's CONNACK.
    public init(
        broker: BrokerAddress, clientID: String? = nil, username: String? = nil, password: String? = nil,
        tls: TLSSettings? = nil, maxInflight: UInt32 = 1_000, timeout: Duration = .seconds(5)
    ) throws {
        self.broker = broker
        handle = try MosquittoHandle(clientID: clientID, cleanSession: true)
        try handle.setThreaded()
        if username != nil || password != nil {
            try handle.setCredentials(username: username, password: password)
        }
        if let tls {
            try handle.setTLS(tls)
        }
        try handle.setMaxInflight(maxInflight)
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw MQTTError(code: errno, operation: "creating the wake-up pipe") }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        (wakeReader, wakeWriter) = (fds[0], fds[1])

        handle.callbacks.onConnect = { [unowned self] rc, _ in
            state.withLock { $0.connectResult = rc }
            signal()
        }
        handle.callbacks.onPublish = { [unowned self] mid in
            state.withLock { _ = $0.unacknowledged.remove(mid) }
            signal()
        }
        do {
            try handle.connect(host: broker.host, port: Int32(broker.port), keepAliveSeconds: 30)
        } catch {
            // No network thread was started: `deinit` (which runs for a failed initialiser too) must not wait
            // for one, and it closes the pipe itself.
            state.withLock { $0.loopFinished = true }
            throw error
        }
        let thread = Thread { [self] in
            runLoop()
        }
        thread.name = "mqtt-publisher"
        thread.start()

        let connack = waitFor(timeout: timeout) { $0.connectResult }
        guard connack == 0 else {
            shutDown()
            if let connack { throw MQTTError(connackCode: connack) }
            throw MQTTError(code: MosquittoHandle.noConnection, operation: "waiting for CONNACK from \(broker)")
        }
    }

    deinit {
        shutDown()
        Glibc.close(wakeReader)
        Glibc.close(wakeWriter)
    }

    /// Queues a message. For QoS 1 it counts as outstanding until the broker's PUBACK.
    public func publish(topic: String, payload: [UInt8], qos: Int32 = 1, retain: Bool = false) throws {
        // Register the id under the lock that the PUBACK callback also takes, so a fast ack cannot be missed.
        try state.withLock { state in
            let mid = try handle.publish(topic: topic, payload: payload, qos: qos, retain: retain)
            if qos > 0 { state.unacknowledged.insert(mid) }
        }
        wake()
    }

    /// Publishes a UTF-8 text payload.
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

    // MARK: The network thread

    private func runLoop() {
        var lostAt: ContinuousClock.Instant?
        while !state.withLock({ $0.stopRequested }) {
            if let lost = lostAt {
                // Reconnect once a second; libmosquitto resends unacknowledged QoS 1 messages afterwards.
                if ContinuousClock.now - lost >= .seconds(1) {
                    lostAt = (try? handle.reconnect()) == nil ? ContinuousClock.now : nil
                } else {
                    waitForWake(milliseconds: 100)
                }
                continue
            }
            let socket = handle.socket
            guard socket >= 0 else {
                lostAt = .now
                continue
            }
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN) | (handle.wantsWrite ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0),
            ]
            _ = poll(&fds, 2, handle.hasPendingTLSData ? 0 : 500)
            if fds[1].revents != 0 { drainWakePipe() }
            var rc = MosquittoHandle.success
            if handle.hasPendingTLSData || fds[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                rc = handle.loopRead()
            }
            if rc == MosquittoHandle.success && handle.wantsWrite { rc = handle.loopWrite() }
            if rc == MosquittoHandle.success { rc = handle.loopMisc() }
            if rc != MosquittoHandle.success { lostAt = .now }
        }
        if lostAt == nil {
            // Everything queued goes out before the DISCONNECT, or QoS 0 messages would be lost at the end.
            let deadline = ContinuousClock.now + .seconds(10)
            while handle.wantsWrite && ContinuousClock.now < deadline {
                var fd = pollfd(fd: handle.socket, events: Int16(POLLOUT), revents: 0)
                _ = poll(&fd, 1, 100)
                if handle.loopWrite() != MosquittoHandle.success { break }
            }
            handle.disconnect()
            _ = handle.loopWrite()
        }
        state.withLock { $0.loopFinished = true }
        finished.lock()
        finished.broadcast()
        finished.unlock()
    }

    /// Writes everything queued, disconnects and stops the network thread. Idempotent; later publishes fail.
    public func close() {
        shutDown()
    }

    /// Stops the network thread (after writing what is queued) and waits for it. Idempotent.
    private func shutDown() {
        let alreadyFinished = state.withLock { state in
            state.stopRequested = true
            return state.loopFinished
        }
        guard !alreadyFinished else { return }
        wake()
        finished.lock()
        while !state.withLock({ $0.loopFinished }) {
            _ = finished.wait(until: Date().addingTimeInterval(0.1))
        }
        finished.unlock()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    private func drainWakePipe() {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeReader, &buffer, buffer.count) > 0 {}
    }

    private func waitForWake(milliseconds: Int32) {
        var fd = pollfd(fd: wakeReader, events: Int16(POLLIN), revents: 0)
        if poll(&fd, 1, milliseconds) > 0 { drainWakePipe() }
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
