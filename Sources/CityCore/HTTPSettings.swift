import FeedCore
import Foundation

/// `[http]` as written in the configuration file.
struct HTTPSection: Decodable, Sendable {
    var listen: String?
    /// The bearer token of the operator endpoints, or a file whose first line is it.
    var operatorToken: String?
    var operatorTokenFile: String?
    var maxConnections: Int?
    var maxConnectionsPerAddress: Int?
    var idleTimeoutSeconds: Int?
    var streamQueue: Int?
    var sendBufferBytes: Int?

    enum CodingKeys: String, CodingKey {
        case listen
        case operatorToken = "operator_token"
        case operatorTokenFile = "operator_token_file"
        case maxConnections = "max_connections"
        case maxConnectionsPerAddress = "max_connections_per_address"
        case idleTimeoutSeconds = "idle_timeout_seconds"
        case streamQueue = "stream_queue"
        case sendBufferBytes = "send_buffer_bytes"
    }
}

/// The HTTP listener's settings, checked. They belong to the process (where it listens, what it admits) rather
/// than to the API's routes, so the core holds them: the composition root opens the listener with them, and a
/// reload compares them.
package struct HTTPSettings: Sendable, Equatable {
    /// The address to listen on.
    package var host: String
    /// The port (0: any free one, for tests).
    package var port: Int
    /// Open connections at most; more are refused.
    package var maxConnections: Int
    /// Open connections one client address may hold (a share of `maxConnections`).
    package var maxConnectionsPerAddress: Int
    /// How long a connection may sit idle, or a client take no byte of its answer, before it is closed.
    package var idleTimeoutSeconds: Int
    /// Alert steps a stream client may fall behind before it is disconnected (it resumes from the journal).
    var streamQueue: Int
    /// The kernel send buffer of each connection.
    package var sendBufferBytes: Int
    /// Bearer token of the operator endpoints; `nil` disables them.
    package var operatorToken: String?

    /// Checks `section` (absent: every default). `listenOverride` is `--http` or `CITYFEEDS_HTTP_LISTEN`.
    init(_ section: HTTPSection?, listenOverride: String?, report: inout ConfigurationReport) {
        let listen = listenOverride ?? section?.listen ?? "127.0.0.1:8080"
        host = "127.0.0.1"
        port = 8080
        if let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]),
            (0...65535).contains(port), colon != listen.startIndex
        {
            host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
            self.port = port
        } else {
            report.error(listenOverride != nil ? "--http" : "http.listen", "expected HOST:PORT, got '\(listen)'")
        }
        maxConnections = section?.maxConnections ?? 10_000
        if !(1...1_000_000).contains(maxConnections) {
            report.error("http.max_connections", "must be between 1 and 1000000")
        }
        maxConnectionsPerAddress = section?.maxConnectionsPerAddress ?? max(1, maxConnections / 10)
        if !(1...max(1, maxConnections)).contains(maxConnectionsPerAddress) {
            report.error("http.max_connections_per_address", "must be between 1 and http.max_connections")
        }
        idleTimeoutSeconds = section?.idleTimeoutSeconds ?? 30
        if !(1...3_600).contains(idleTimeoutSeconds) {
            report.error("http.idle_timeout_seconds", "must be between 1 and 3600")
        }
        streamQueue = section?.streamQueue ?? 1_024
        if !(16...100_000).contains(streamQueue) {
            report.error("http.stream_queue", "must be between 16 and 100000 alert steps")
        }
        sendBufferBytes = section?.sendBufferBytes ?? 262_144
        if !(16_384...16_777_216).contains(sendBufferBytes) {
            report.error("http.send_buffer_bytes", "must be between 16384 and 16777216")
        }
        operatorToken = section?.operatorToken
        if let file = section?.operatorTokenFile {
            if operatorToken != nil {
                report.error("http.operator_token", "give either operator_token or operator_token_file")
            }
            operatorToken = report.readSecret(file, at: "http.operator_token_file", skippingEmptyLines: true)
        }
        if let token = operatorToken, token.count < 16 {
            report.error("http.operator_token", "must be at least 16 characters")
        }
    }
}
