import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One Server-Sent Event.
public struct ServerSentEvent: Sendable, Equatable {
    /// The event's `id:` field: the position to resume after.
    public var id: String?
    /// The event's type (`message` when the server names none).
    public var event: String
    /// The event's data lines, joined by newlines.
    public var data: String
}

/// A connection or protocol failure, in words.
public struct EventStreamError: Error, CustomStringConvertible, Sendable {
    public var description: String
}

/// A small HTTP/1.1 client for the daemon's own API over a plain socket: one GET with its whole body, or a
/// Server-Sent Events stream read line by line (chunked transfer encoding included). Used by
/// `cityfeedsd alerts` and the alert-latency benchmark; speaks only what the daemon speaks.
public final class EventStreamClient {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var position = 0
    private var chunked = false
    private var chunkRemaining = 0
    private var finished = false

    /// Connects and sends `method path` (GET by default), with `body` as JSON if given; reads the status line
    /// and headers.
    public init(
        host: String, port: Int, path: String, method: String = "GET", headers: [String: String] = [:],
        body: String? = nil
    ) throws {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &list) == 0, let first = list else {
            throw EventStreamError(description: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(list) }
        var connected: Int32 = -1
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry, connected < 0 {
            let socket = Glibc.socket(
                current.pointee.ai_family, current.pointee.ai_socktype, current.pointee.ai_protocol)
            if socket >= 0 {
                if Glibc.connect(socket, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0 {
                    connected = socket
                } else {
                    Glibc.close(socket)
                }
            }
            entry = current.pointee.ai_next
        }
        guard connected >= 0 else { throw EventStreamError(description: "cannot connect to \(host):\(port)") }
        descriptor = connected
        var noDelay: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        var request = "\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n"
        for (name, value) in headers { request += "\(name): \(value)\r\n" }
        if let body { request += "Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n" }
        request += "\r\n" + (body ?? "")
        let bytes = Array(request.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(descriptor, $0.baseAddress, $0.count) }) == bytes.count else {
            Glibc.close(descriptor)
            throw EventStreamError(description: "cannot send the request")
        }
        let statusLine = try rawLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            Glibc.close(descriptor)
            throw EventStreamError(description: "not an HTTP response: \(statusLine)")
        }
        self.status = status
        while true {
            let line = try rawLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            responseHeaders[name] = value
        }
        chunked = responseHeaders["transfer-encoding"]?.lowercased().contains("chunked") == true
    }

    deinit { Glibc.close(descriptor) }

    /// The response's status code.
    public private(set) var status = 0
    /// The response's headers, by lower-case name.
    public private(set) var responseHeaders: [String: String] = [:]

    /// The whole body (for a plain GET).
    public func body() throws -> Data {
        var data = Data()
        while let byte = try bodyByte() { data.append(byte) }
        return data
    }

    /// The next event, or `nil` when the server ends the stream. Comments (keep-alives) are skipped.
    public func nextEvent() throws -> ServerSentEvent? {
        var id: String?
        var event = "message"
        var data: [String] = []
        while let line = try bodyLine() {
            if line.isEmpty {
                if data.isEmpty { continue }
                return ServerSentEvent(id: id, event: event, data: data.joined(separator: "\n"))
            }
            if line.hasPrefix(":") { continue }
            let (field, value) =
                line.firstIndex(of: ":").map {
                    (String(line[..<$0]), String(line[line.index(after: $0)...]).drop { $0 == " " }.description)
                } ?? (line, "")
            switch field {
            case "id": id = value
            case "event": event = value
            case "data": data.append(value)
            default: break
            }
        }
        return nil
    }

    /// Stops a blocked `nextEvent()` from another thread.
    public func shutdown() {
        Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    // MARK: Reading

    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 16_384)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw EventStreamError(description: "read failed: \(String(cString: strerror(errno)))") }
            if count == 0 { return false }
            buffer = Array(chunk[..<count])
            position = 0
            return true
        }
    }

    private func rawByte() throws -> UInt8? {
        if position == buffer.count, try !fill() { return nil }
        position += 1
        return buffer[position - 1]
    }

    private func rawLine() throws -> String {
        var bytes: [UInt8] = []
        while let byte = try rawByte() {
            if byte == UInt8(ascii: "\n") { break }
            if byte != UInt8(ascii: "\r") { bytes.append(byte) }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func bodyByte() throws -> UInt8? {
        guard !finished else { return nil }
        guard chunked else { return try rawByte() }
        if chunkRemaining == 0 {
            var sizeLine = try rawLine()
            if sizeLine.isEmpty { sizeLine = try rawLine() }  // the CRLF after the previous chunk
            guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                finished = true
                return nil
            }
            if size == 0 {
                finished = true
                return nil
            }
            chunkRemaining = size
        }
        chunkRemaining -= 1
        return try rawByte()
    }

    private func bodyLine() throws -> String? {
        var bytes: [UInt8] = []
        while true {
            guard let byte = try bodyByte() else { return bytes.isEmpty ? nil : String(decoding: bytes, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            if byte != UInt8(ascii: "\r") { bytes.append(byte) }
        }
    }
}
