import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive HTTP/1 connection over a plain socket: requests are written exactly as given (several at
/// once for pipelining) and responses read one by one, framed by `Content-Length`, chunks or the connection's
/// end, bytes exactly as sent. The tests' one socket client: `HTTPClient.raw` sends through it too.
final class RawHTTPConnection {
    struct Response {
        var statusLine: String
        var status: Int
        /// Lower-cased names; a repeated field keeps its last value.
        var headers: [String: String]
        var body: Data
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let descriptor: Int32
    private var buffer: [UInt8] = []

    /// - Parameters:
    ///   - source: the loopback address to connect from (127.0.0.2 is another client than 127.0.0.1).
    ///   - receiveBuffer: a small kernel receive buffer, for a client that reads slowly or not at all.
    init(port: Int, source: String? = nil, receiveBuffer: Int32? = nil) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw Failure(description: "socket: \(errno)") }
        if var size = receiveBuffer {
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                close(descriptor)
                throw Failure(description: "bind \(source): \(errno)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            close(descriptor)
            throw Failure(description: "connect: \(errno)")
        }
        // Reads give up after 10 s rather than hang the suite.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(descriptor) }

    /// A request's bytes: `method target` with the given version and header lines, no body.
    static func request(
        _ method: String, _ target: String, version: String = "HTTP/1.1", headers: [String] = []
    )
        -> String
    {
        ([method + " " + target + " " + version, "Host: 127.0.0.1"] + headers).joined(separator: "\r\n") + "\r\n\r\n"
    }

    /// Writes `text` in one `write(2)`.
    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw Failure(description: "short write: \(written)") }
    }

    /// Reads the next response; `bodyless` for a HEAD request's (its Content-Length describes the GET's).
    func response(bodyless: Bool = false) throws -> Response {
        let statusLine = try line()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, let status = Int(parts[1]) else {
            throw Failure(description: "not a status line: \(statusLine)")
        }
        var headers: [String: String] = [:]
        while true {
            let field = try line()
            if field.isEmpty { break }
            guard let colon = field.firstIndex(of: ":") else { continue }
            headers[field[..<colon].lowercased()] = field[field.index(after: colon)...].trimmingCharacters(
                in: .whitespaces)
        }
        var body = Data()
        if bodyless || status == 304 || status == 204 {
            // No body, whatever the headers say.
        } else if headers["transfer-encoding"]?.lowercased().contains("chunked") == true {
            while true {
                let sizeLine = try line()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                    throw Failure(description: "not a chunk size: \(sizeLine)")
                }
                if size == 0 {
                    while try !line().isEmpty {}  // trailers
                    break
                }
                body.append(try bytes(size))
                _ = try line()
            }
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try bytes(length)
        } else {
            // Neither length nor chunks: the body ends with the connection.
            while try fill() {}
            body = Data(buffer)
            buffer.removeAll()
        }
        return Response(statusLine: statusLine, status: status, headers: headers, body: body)
    }

    /// The next `count` bytes of the connection.
    private func bytes(_ count: Int) throws -> Data {
        var body = Data()
        while body.count < count {
            if buffer.isEmpty, try !fill() { throw Failure(description: "connection closed inside a body") }
            let take = min(count - body.count, buffer.count)
            body.append(contentsOf: buffer[..<take])
            buffer.removeFirst(take)
        }
        return body
    }

    /// Whether the server has closed the connection (read gives end of file), with nothing more to read.
    func isClosedByServer() throws -> Bool {
        guard buffer.isEmpty else { return false }
        return try !fill()
    }

    /// Whether the server closes the connection (within the read timeout), whatever it sends first.
    func closesSoon() throws -> Bool {
        buffer.removeAll()
        while try fill() { buffer.removeAll() }
        return true
    }

    private func line() throws -> String {
        var bytes: [UInt8] = []
        while true {
            if buffer.isEmpty, try !fill() {
                throw Failure(description: "connection closed; read so far: \(bytes.count) bytes")
            }
            let byte = buffer.removeFirst()
            if byte == UInt8(ascii: "\n") { return String(decoding: bytes, as: UTF8.self) }
            if byte != UInt8(ascii: "\r") { bytes.append(byte) }
        }
    }

    /// Appends what the socket has; `false` at end of file.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count < 0 { throw Failure(description: "read failed: \(errno)") }
            if count == 0 { return false }
            buffer.append(contentsOf: chunk[..<count])
            return true
        }
    }
}
