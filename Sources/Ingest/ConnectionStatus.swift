import FeedCore

/// What the MQTT session is doing, for logs, `/healthz` and readiness.
public struct ConnectionStatus: Sendable, Equatable {
    /// The MQTT connection's state.
    public enum State: String, Sendable, Codable {
        case disconnected
        case connecting
        case connected
    }

    /// Disconnected, connecting or connected.
    public var state: State = .disconnected
    /// When `state` last changed.
    public var since: Timestamp = .now
    /// Successful connections after the first.
    public var reconnects: Int = 0
    /// Connection attempts, successful or not.
    public var attempts: Int = 0
    /// Whether the broker kept our session (and its queued messages) at the last CONNACK.
    public var sessionPresent: Bool = false
    /// Whether the broker has granted every subscription on this connection (its SUBACKs arrived): only then
    /// does the daemon receive what it is meant to, so only then is it ready.
    public var subscribed: Bool = false
    /// The last connection failure, in words.
    public var lastError: String? = nil

    /// The status before the first attempt.
    public init() {}
}
