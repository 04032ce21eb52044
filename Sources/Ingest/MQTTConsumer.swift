import FeedCore
import Foundation
import Logging
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the consumer connects and what it subscribes to.
public struct MQTTConsumerConfiguration: Sendable {
    /// Where the broker listens.
    public var broker: BrokerAddress
    /// Fixed per daemon instance: the broker keeps this client's session (and queued messages) across restarts.
    public var clientID: String
    /// Credentials, when the broker asks for them.
    public var username: String?
    /// (The password goes with the username.)
    public var password: String?
    /// TLS settings; `nil` for a plain TCP connection.
    public var tls: TLSSettings?
    /// Topic filters subscribed to at QoS 1 on every connection.
    public var subscriptions: [String]
    /// MQTT keep-alive: the broker drops a session silent for 1.5 times this.
    public var keepAliveSeconds: Int32 = 30
    /// The most messages read before they are committed and acknowledged together.
    public var maxBurstCount: Int = 1_000
    /// The longest a burst keeps reading before it is committed, so light traffic is not delayed.
    public var maxBurstDuration: Duration = .milliseconds(20)
    /// First reconnect delay; doubles on each failure up to `maxReconnectDelay`, with ±20 % jitter.
    public var initialReconnectDelay: Duration = .milliseconds(500)
    /// The longest wait between reconnection attempts.
    public var maxReconnectDelay: Duration = .seconds(30)
    /// The shortest wait after the broker refused the connection (bad credentials, not authorised).
    public var refusedRetryDelay: Duration = .seconds(10)

    /// Settings for a session with `broker` as `clientID`.
    public init(
        broker: BrokerAddress, clientID: String, subscriptions: [String], username: String? = nil,
        password: String? = nil
    ) {
        self.broker = broker
        self.clientID = clientID
        self.subscriptions = subscriptions
        self.username = username
        self.password = password
    }
}

/// Receives each burst of messages on the consumer's thread and makes it durable before returning.
///
/// The broker's acknowledgements for a burst are written only after this returns; if it throws, the
/// connection is dropped without them and the broker redelivers the burst.
public protocol MessageBurstHandler: Sendable {
    func handle(burst: [InboundMessage]) throws
}

/// A QoS 1 MQTT subscriber on a persistent session that releases acknowledgements only after the messages
/// they acknowledge have been made durable.
///
/// It runs libmosquitto in threaded mode on a thread of its own, with its own `poll` loop:
/// read a burst → `handler.handle(burst:)` (the SQLite commit) → `mosquitto_loop_write` (the PUBACKs).
/// It reconnects forever with exponential backoff and jitter and resubscribes on every connection.
public final class MQTTConsumer: Sendable {
    private let configuration: MQTTConsumerConfiguration
    private let handler: any MessageBurstHandler
    private let logger: Logger
    private let shared = Mutex(SharedState())
    /// A self-pipe that wakes the poll loop when a stop is requested.
    private let wakeReader: Int32
    private let wakeWriter: Int32

    private struct SharedState {
        var status = ConnectionStatus()
        var stopRequested = false
        var started = false
    }

    /// A consumer handing each burst to `handler`; it connects when `run()` is called.
    public init(
        configuration: MQTTConsumerConfiguration, handler: any MessageBurstHandler, logger: Logger
    ) throws {
        self.configuration = configuration
        self.handler = handler
        self.logger = logger
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else {
            throw MQTTError(code: errno, operation: "creating the wake-up pipe")
        }
        _ = fcntl(fds[0], F_SETFL, O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, O_NONBLOCK)
        (wakeReader, wakeWriter) = (fds[0], fds[1])
    }

    deinit {
        close(wakeReader)
        close(wakeWriter)
    }

    /// The connection's current state.
    public var status: ConnectionStatus { shared.withLock { $0.status } }

    /// Runs the session until `stop()` is called, then acknowledges what was committed, disconnects cleanly
    /// (the broker keeps the session) and returns.
    public func run() async {
        let alreadyStarted = shared.withLock { state in
            defer { state.started = true }
            return state.started
        }
        precondition(!alreadyStarted, "an MQTTConsumer runs once")
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let thread = Thread { [self] in
                ConsumerLoop(consumer: self).run()
                continuation.resume()
            }
            thread.name = "mqtt-ingest"
            thread.start()
        }
    }

    /// Asks the loop to finish its current burst and stop. Safe from any thread, any number of times.
    public func stop() {
        shared.withLock { $0.stopRequested = true }
        var byte: UInt8 = 1
        _ = write(wakeWriter, &byte, 1)
    }

    fileprivate var stopRequested: Bool { shared.withLock { $0.stopRequested } }

    fileprivate func update(_ change: (inout ConnectionStatus) -> Void) {
        shared.withLock { change(&$0.status) }
    }

    /// The thread-confined part: the libmosquitto handle and the burst being collected. Created, used and
    /// dropped on the consumer's own thread only.
    private final class ConsumerLoop {
        let consumer: MQTTConsumer
        var handle: MosquittoHandle?
        var burst: [InboundMessage] = []
        var connectionLost = false
        var failures = 0
        var nextAttempt = ContinuousClock.now
        var hasConnectedBefore = false
        /// The broker's reason when it refused the last CONNECT (bad credentials, not authorised, …): kept
        /// for the status, since the socket closing right after would otherwise hide it.
        var refusal: String?
        /// SUBSCRIBE message ids of this connection still waiting for their SUBACK.
        var awaitedSubscriptions: Set<Int32> = []

        init(consumer: MQTTConsumer) {
            self.consumer = consumer
        }

        var configuration: MQTTConsumerConfiguration { consumer.configuration }
        var logger: Logger { consumer.logger }

        func run() {
            while !consumer.stopRequested {
                guard let handle, !connectionLost else {
                    attemptConnection()
                    continue
                }
                serviceSocket(handle)
            }
            shutDown()
        }

        /// Connects when the backoff allows, otherwise sleeps (interruptibly) until it does.
        func attemptConnection() {
            let now = ContinuousClock.now
            if now < nextAttempt {
                waitForWake(timeoutMilliseconds: milliseconds(nextAttempt - now))
                return
            }
            if connectionLost {
                // A fresh handle: any unwritten acknowledgements of the lost connection go with the old one.
                handle = nil
                connectionLost = false
            }
            consumer.update {
                $0.state = .connecting
                $0.since = .now
                $0.attempts += 1
            }
            do {
                let fresh = try makeHandle()
                let broker = configuration.broker
                try fresh.connect(
                    host: broker.host, port: Int32(broker.port), keepAliveSeconds: configuration.keepAliveSeconds)
                handle = fresh
            } catch {
                scheduleRetry(after: "\(error)")
            }
        }

        func makeHandle() throws -> MosquittoHandle {
            let handle = try MosquittoHandle(clientID: configuration.clientID, cleanSession: false)
            try handle.setThreaded()
            if configuration.username != nil || configuration.password != nil {
                try handle.setCredentials(username: configuration.username, password: configuration.password)
            }
            if let tls = configuration.tls {
                try handle.setTLS(tls)
            }
            // Nothing is ever queued by our side but acknowledgements and subscriptions; the broker's own
            // `max_inflight_messages` bounds how many messages it sends ahead of our acks.
            let callbacks = handle.callbacks
            let consumer = self.consumer
            let logger = self.logger
            let subscriptions = configuration.subscriptions
            let wasConnected = hasConnectedBefore
            callbacks.onConnect = { [unowned self, unowned handle] rc, sessionPresent in
                guard rc == 0 else {
                    let error = MQTTError(connackCode: rc)
                    logger.error("MQTT broker refused the connection", metadata: ["mqtt.error": "\(error.message)"])
                    refusal = error.description
                    return
                }
                refusal = nil
                awaitedSubscriptions = []
                var filtersByMessage: [Int32: String] = [:]
                var unsent: String?
                for filter in subscriptions {
                    do {
                        filtersByMessage[try handle.subscribe(filter, qos: 1)] = filter
                    } catch {
                        logger.error(
                            "MQTT subscribe failed", metadata: ["mqtt.topic": "\(filter)", "error": "\(error)"])
                        unsent = "the subscription to \(filter) could not be sent (\(error))"
                    }
                }
                awaitedSubscriptions = Set(filtersByMessage.keys)
                let allQueued = unsent == nil
                callbacks.onSubscribe = { [unowned self] messageID, grantedQoS in
                    guard awaitedSubscriptions.remove(messageID) != nil else { return }
                    // 0x80 in a SUBACK: the broker refused the filter (an ACL, or a malformed filter).
                    if grantedQoS.contains(where: { $0 < 0 || $0 > 2 }) {
                        let filter = filtersByMessage[messageID] ?? "?"
                        logger.error("MQTT broker refused a subscription", metadata: ["mqtt.topic": "\(filter)"])
                        consumer.update { $0.lastError = "the broker refused the subscription to \(filter)" }
                        return
                    }
                    if awaitedSubscriptions.isEmpty && allQueued {
                        consumer.update { $0.subscribed = $0.lastError == nil }
                    }
                }
                consumer.update {
                    if wasConnected { $0.reconnects += 1 }
                    $0.state = .connected
                    $0.since = .now
                    $0.sessionPresent = sessionPresent
                    $0.lastError = unsent
                    $0.subscribed = subscriptions.isEmpty
                }
                if wasConnected && !sessionPresent {
                    logger.warning(
                        "MQTT broker reports no session: messages published while we were away may be lost",
                        metadata: ["mqtt.client_id": "\(consumer.configuration.clientID)"])
                } else {
                    logger.info(
                        "MQTT connected",
                        metadata: [
                            "mqtt.broker": "\(consumer.configuration.broker)",
                            "mqtt.session_present": "\(sessionPresent)",
                        ])
                }
            }
            return handle
        }

        func scheduleRetry(after problem: String) {
            failures += 1
            let base = configuration.initialReconnectDelay * (1 << min(failures - 1, 16))
            var capped = min(base, configuration.maxReconnectDelay)
            if refusal != nil {
                // Refused credentials will not fix themselves within milliseconds: do not hammer the broker.
                capped = max(capped, min(configuration.refusedRetryDelay, configuration.maxReconnectDelay))
            }
            let jittered = capped * Double.random(in: 0.8...1.2)
            nextAttempt = ContinuousClock.now + jittered
            consumer.update {
                $0.state = .disconnected
                $0.since = .now
                $0.lastError = problem
                $0.subscribed = false
            }
            logger.warning(
                "MQTT connection failed; retrying",
                metadata: [
                    "mqtt.broker": "\(configuration.broker)", "error": "\(problem)",
                    "retry_in_ms": "\(milliseconds(jittered))",
                ])
        }

        /// One turn of the poll loop: read a burst, commit it, then write the acknowledgements.
        func serviceSocket(_ handle: MosquittoHandle) {
            let socket = handle.socket
            guard socket >= 0 else {
                lose(handle, reason: "socket closed")
                return
            }
            var fds = [
                pollfd(fd: socket, events: Int16(POLLIN) | (handle.wantsWrite ? Int16(POLLOUT) : 0), revents: 0),
                pollfd(fd: consumer.wakeReader, events: Int16(POLLIN), revents: 0),
            ]
            // Data already decrypted inside OpenSSL does not wake poll: do not sleep on it.
            let pendingTLS = handle.hasPendingTLSData
            let ready = poll(&fds, 2, pendingTLS ? 0 : 1_000)
            if ready < 0 && errno != EINTR {
                lose(handle, reason: "poll failed: errno \(errno)")
                return
            }
            if fds[1].revents != 0 { drainWakePipe() }
            if pendingTLS || fds[0].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                readBurst(handle)
                guard commitBurst() else {
                    lose(handle, reason: "commit failed; unacknowledged messages will be redelivered")
                    return
                }
            }
            if !connectionLost && handle.wantsWrite {
                let rc = handle.loopWrite()
                if rc != MosquittoHandle.success { lose(handle, reason: MosquittoHandle.describe(rc)) }
            }
            if !connectionLost {
                let rc = handle.loopMisc()
                if rc != MosquittoHandle.success { lose(handle, reason: MosquittoHandle.describe(rc)) }
            }
            if !connectionLost && consumer.status.state == .connected {
                failures = 0
                hasConnectedBefore = true
            }
        }

        /// Reads packets while more are waiting, up to the burst's count and time bounds.
        func readBurst(_ handle: MosquittoHandle) {
            let deadline = ContinuousClock.now + configuration.maxBurstDuration
            handle.callbacks.onMessage = { [unowned self] message in
                self.burst.append(message)
            }
            defer { handle.callbacks.onMessage = { _ in } }
            while true {
                let rc = handle.loopRead()
                if rc != MosquittoHandle.success {
                    lose(handle, reason: MosquittoHandle.describe(rc))
                    return
                }
                if burst.count >= configuration.maxBurstCount || ContinuousClock.now >= deadline { return }
                if handle.hasPendingTLSData { continue }
                var fd = pollfd(fd: handle.socket, events: Int16(POLLIN), revents: 0)
                if poll(&fd, 1, 0) <= 0 || fd.revents & Int16(POLLIN) == 0 { return }
            }
        }

        /// Hands the burst to the handler; `false` if it could not be made durable.
        func commitBurst() -> Bool {
            guard !burst.isEmpty else { return true }
            defer { burst.removeAll(keepingCapacity: true) }
            do {
                try consumer.handler.handle(burst: burst)
                return true
            } catch {
                logger.error(
                    "could not commit a burst of MQTT messages",
                    metadata: ["error": "\(error)", "mqtt.burst": "\(burst.count)"])
                return false
            }
        }

        func lose(_ handle: MosquittoHandle, reason: String) {
            guard !connectionLost else { return }
            connectionLost = true
            let reason = refusal ?? reason
            logger.warning("MQTT connection lost", metadata: ["reason": "\(reason)"])
            scheduleRetry(after: reason)
        }

        func drainWakePipe() {
            var buffer = [UInt8](repeating: 0, count: 64)
            while read(consumer.wakeReader, &buffer, buffer.count) > 0 {}
        }

        func waitForWake(timeoutMilliseconds: Int32) {
            var fd = pollfd(fd: consumer.wakeReader, events: Int16(POLLIN), revents: 0)
            if poll(&fd, 1, max(timeoutMilliseconds, 1)) > 0 { drainWakePipe() }
        }

        /// Commits nothing new (every burst is committed before its acks), writes the pending acks, and
        /// disconnects cleanly so the broker keeps the session for the next start.
        func shutDown() {
            if let handle, !connectionLost {
                _ = commitBurst()
                _ = handle.loopWrite()
                handle.disconnect()
                _ = handle.loopWrite()
            }
            handle = nil
            consumer.update {
                $0.state = .disconnected
                $0.since = .now
                $0.subscribed = false
            }
            logger.info("MQTT session closed")
        }

        func milliseconds(_ duration: Duration) -> Int32 {
            let (seconds, attoseconds) = duration.components
            return Int32(clamping: seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }
    }
}
