import Foundation

/// Where the broker is: parsed from `mqtt://host:port`, or `mqtts://host:port` for TLS.
public struct BrokerAddress: Hashable, Sendable, CustomStringConvertible {
    /// The broker's host name or address.
    public var host: String
    /// Its port (1883, or 8883 for `mqtts://`, by default).
    public var port: Int
    /// Whether the URL asked for TLS (`mqtts://`).
    public var usesTLS: Bool

    /// A broker at `host:port`.
    public init(host: String, port: Int, usesTLS: Bool = false) {
        self.host = host
        self.port = port
        self.usesTLS = usesTLS
    }

    /// Parses `mqtt://host[:port]`, `mqtts://host[:port]` or `host[:port]`; the default port is 1883, or 8883
    /// with TLS.
    public init(parsing text: String) throws(BrokerAddressError) {
        var rest = Substring(text)
        var usesTLS = false
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            switch scheme {
            case "mqtt", "tcp": usesTLS = false
            case "mqtts", "ssl", "tls": usesTLS = true
            default:
                throw BrokerAddressError(
                    text: text, problem: "unsupported scheme '\(scheme)' (use mqtt:// or mqtts://)")
            }
            rest = rest[schemeEnd.upperBound...]
        }
        if rest.hasSuffix("/") { rest = rest.dropLast() }
        var host = rest
        var port = usesTLS ? 8883 : 1883
        if let colon = rest.lastIndex(of: ":"), !rest.hasPrefix("[") || rest[..<colon].hasSuffix("]") {
            host = rest[..<colon]
            guard let parsed = Int(rest[rest.index(after: colon)...]), (1...65535).contains(parsed) else {
                throw BrokerAddressError(text: text, problem: "the port must be a number from 1 to 65535")
            }
            port = parsed
        }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        guard !host.isEmpty, !host.contains("/") else {
            throw BrokerAddressError(text: text, problem: "no host name")
        }
        self.host = String(host)
        self.port = port
        self.usesTLS = usesTLS
    }

    public var description: String {
        "\(usesTLS ? "mqtts" : "mqtt")://\(host.contains(":") ? "[\(host)]" : host):\(port)"
    }
}

/// Why a broker URL was refused.
public struct BrokerAddressError: Error, CustomStringConvertible, Sendable {
    /// The URL as given.
    public var text: String
    /// What is wrong with it.
    public var problem: String
    public var description: String { "invalid broker URL '\(text)': \(problem)" }
}
