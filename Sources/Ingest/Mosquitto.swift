import CMosquitto
import FeedCore

// The only file that imports libmosquitto. Everything else in the daemon sees `MosquittoHandle`, Swift values
// and `MQTTError`.

/// An error reported by libmosquitto, or a broker's refusal of a connection.
public struct MQTTError: Error, CustomStringConvertible, Sendable {
    /// libmosquitto's error code, or errno.
    public let code: Int32
    /// What was being done.
    public let operation: String
    /// libmosquitto's description.
    public let message: String

    init(code: Int32, operation: String) {
        self.code = code
        self.operation = operation
        self.message = String(cString: mosquitto_strerror(code))
    }

    init(connackCode: Int32) {
        self.code = connackCode
        self.operation = "connecting (broker refused)"
        self.message = String(cString: mosquitto_connack_string(connackCode))
    }

    public var description: String { "\(operation): \(message)" }
}

/// TLS for the broker connection. TLS 1.2 is the minimum; the broker's certificate is always verified.
public struct TLSSettings: Sendable, Hashable {
    /// PEM file of the CA(s) that signed the broker's certificate; `nil` uses `caDirectory` or the system's.
    public var caFile: String?
    /// A directory of CA certificates (hashed names), instead of or beside `caFile`.
    public var caDirectory: String?
    /// Client certificate and key (PEM), when the broker requires one.
    public var certificateFile: String?
    /// The client certificate's private key.
    public var keyFile: String?

    /// TLS settings; all `nil`: the system's CA certificates, no client certificate.
    public init(
        caFile: String? = nil, caDirectory: String? = nil, certificateFile: String? = nil, keyFile: String? = nil
    ) {
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.certificateFile = certificateFile
        self.keyFile = keyFile
    }
}

/// One message as libmosquitto delivered it, copied out of the library's buffers.
public struct InboundMessage: Sendable {
    /// Where it was published.
    public var topic: String
    /// The bytes as published.
    public var payload: [UInt8]
    /// The QoS it was delivered with.
    public var qos: Int32
    /// Whether the broker delivered it as a retained message.
    public var retained: Bool
    /// When the daemon received it.
    public var received: Timestamp

    /// A message as received.
    public init(topic: String, payload: [UInt8], qos: Int32 = 1, retained: Bool = false, received: Timestamp) {
        self.topic = topic
        self.payload = payload
        self.qos = qos
        self.retained = retained
        self.received = received
    }
}

/// The Swift closures libmosquitto's C callbacks forward to. libmosquitto invokes them on the thread that runs
/// its network loop; the owner decides which thread that is.
final class MosquittoCallbacks {
    var onConnect: (_ returnCode: Int32, _ sessionPresent: Bool) -> Void = { _, _ in }
    var onDisconnect: (_ returnCode: Int32) -> Void = { _ in }
    var onMessage: (InboundMessage) -> Void = { _ in }
    var onSubscribe: (_ messageID: Int32, _ grantedQoS: [Int32]) -> Void = { _, _ in }
    var onPublish: (_ messageID: Int32) -> Void = { _ in }
}

private let libraryInitialised: Bool = {
    mosquitto_lib_init()
    return true
}()

/// Owns one `struct mosquitto` client and the callbacks attached to it.
///
/// The owner drives the network loop from a `poll` loop on one thread of its own (`MQTTConsumer`,
/// `MQTTPublisher`), never libmosquitto's `select`-based loops, which abort once a process has more than 1,024
/// file descriptors. In threaded mode libmosquitto's internal mutexes make `publish` safe from other threads.
final class MosquittoHandle {
    private let raw: OpaquePointer
    let callbacks = MosquittoCallbacks()

    /// - Parameters:
    ///   - clientID: fixed for a persistent session; `nil` lets the library make one up (clean session only).
    ///   - cleanSession: `false` keeps the broker-side session (and its queued QoS 1 messages) across restarts.
    init(clientID: String?, cleanSession: Bool) throws {
        _ = libraryInitialised
        guard let raw = mosquitto_new(clientID, cleanSession, nil) else {
            throw MQTTError(code: MOSQ_ERR_NOMEM.rawValue, operation: "creating the MQTT client")
        }
        self.raw = raw
        mosquitto_user_data_set(raw, Unmanaged.passUnretained(callbacks).toOpaque())
        installCallbacks()
    }

    deinit {
        // Closes the socket without flushing queued packets: acknowledgements not yet written are dropped,
        // so the broker redelivers those messages. That is exactly what a failed commit needs.
        mosquitto_destroy(raw)
    }

    private func installCallbacks() {
        mosquitto_connect_with_flags_callback_set(raw) { _, context, rc, flags in
            guard let context else { return }
            Unmanaged<MosquittoCallbacks>.fromOpaque(context).takeUnretainedValue()
                .onConnect(rc, (flags & 0x01) != 0)
        }
        mosquitto_disconnect_callback_set(raw) { _, context, rc in
            guard let context else { return }
            Unmanaged<MosquittoCallbacks>.fromOpaque(context).takeUnretainedValue().onDisconnect(rc)
        }
        mosquitto_message_callback_set(raw) { _, context, message in
            guard let context, let message else { return }
            let m = message.pointee
            let payload: [UInt8]
            if let bytes = m.payload, m.payloadlen > 0 {
                payload = Array(UnsafeRawBufferPointer(start: bytes, count: Int(m.payloadlen)))
            } else {
                payload = []
            }
            let inbound = InboundMessage(
                topic: m.topic.map { String(cString: $0) } ?? "",
                payload: payload,
                qos: m.qos,
                retained: m.retain,
                received: .now
            )
            Unmanaged<MosquittoCallbacks>.fromOpaque(context).takeUnretainedValue().onMessage(inbound)
        }
        mosquitto_subscribe_callback_set(raw) { _, context, mid, count, granted in
            guard let context else { return }
            let qos = (0..<Int(count)).map { granted?[$0] ?? 128 }
            Unmanaged<MosquittoCallbacks>.fromOpaque(context).takeUnretainedValue().onSubscribe(mid, qos)
        }
        mosquitto_publish_callback_set(raw) { _, context, mid in
            guard let context else { return }
            Unmanaged<MosquittoCallbacks>.fromOpaque(context).takeUnretainedValue().onPublish(mid)
        }
    }

    private func check(_ rc: Int32, _ operation: String) throws {
        if rc != MOSQ_ERR_SUCCESS.rawValue {
            throw MQTTError(code: rc, operation: operation)
        }
    }

    /// Makes libmosquitto leave all socket writes to `loopWrite()`: queued acknowledgements then reach the
    /// broker only when the owner says so (after its commit), see docs/ingest.md.
    func setThreaded() throws {
        try check(mosquitto_threaded_set(raw, true), "enabling threaded mode")
    }

    func setCredentials(username: String?, password: String?) throws {
        try check(mosquitto_username_pw_set(raw, username, password), "setting credentials")
    }

    /// Enables TLS (minimum version 1.2, the broker's certificate verified against `caFile` or the system's
    /// CA folder) with an optional client certificate.
    func setTLS(_ tls: TLSSettings) throws {
        let caPath = tls.caFile == nil ? (tls.caDirectory ?? "/etc/ssl/certs") : tls.caDirectory
        try check(
            mosquitto_tls_set(raw, tls.caFile, caPath, tls.certificateFile, tls.keyFile, nil), "configuring TLS")
        try check(mosquitto_tls_opts_set(raw, 1, "tlsv1.2", nil), "configuring TLS options")
        try check(mosquitto_tls_insecure_set(raw, false), "configuring TLS host name checks")
    }

    /// Decrypted bytes waiting inside OpenSSL, invisible to `poll`.
    var hasPendingTLSData: Bool { cityfeeds_ssl_pending(raw) > 0 }

    func setMaxInflight(_ count: UInt32) throws {
        try check(mosquitto_max_inflight_messages_set(raw, count), "setting max in-flight messages")
    }

    /// Opens the TCP connection and queues CONNECT (written by the next `loopWrite()` in threaded mode).
    func connect(host: String, port: Int32, keepAliveSeconds: Int32) throws {
        try check(mosquitto_connect(raw, host, port, keepAliveSeconds), "connecting to \(host):\(port)")
    }

    func reconnect() throws {
        try check(mosquitto_reconnect(raw), "reconnecting")
    }

    func disconnect() {
        mosquitto_disconnect(raw)
    }

    /// Queues SUBSCRIBE; returns the message id.
    @discardableResult
    func subscribe(_ filter: String, qos: Int32) throws -> Int32 {
        var mid: Int32 = 0
        try check(mosquitto_subscribe(raw, &mid, filter, qos), "subscribing to \(filter)")
        return mid
    }

    /// Queues PUBLISH; returns the message id.
    @discardableResult
    func publish(topic: String, payload: [UInt8], qos: Int32, retain: Bool) throws -> Int32 {
        var mid: Int32 = 0
        let rc = payload.withUnsafeBytes { bytes in
            mosquitto_publish(raw, &mid, topic, Int32(bytes.count), bytes.baseAddress, qos, retain)
        }
        try check(rc, "publishing to \(topic)")
        return mid
    }

    /// The socket descriptor, or -1 when not connected.
    var socket: Int32 { mosquitto_socket(raw) }
    var wantsWrite: Bool { mosquitto_want_write(raw) }

    /// Reads and handles the packets available on the socket; message callbacks run inside this call.
    func loopRead() -> Int32 { mosquitto_loop_read(raw, 1) }
    /// Writes queued packets: acknowledgements, subscriptions, pings.
    func loopWrite() -> Int32 { mosquitto_loop_write(raw, 1) }
    /// Keep-alive and retry housekeeping.
    func loopMisc() -> Int32 { mosquitto_loop_misc(raw) }

    static let success: Int32 = MOSQ_ERR_SUCCESS.rawValue
    static let noConnection: Int32 = MOSQ_ERR_NO_CONN.rawValue

    static func describe(_ rc: Int32) -> String { String(cString: mosquitto_strerror(rc)) }
}
