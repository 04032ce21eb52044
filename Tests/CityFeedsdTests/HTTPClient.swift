import EventStream
import Foundation

#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Real HTTP requests to the daemon under test, on loopback.
struct HTTPClient {
    var port: Int

    struct Reply {
        var status: Int
        var headers: [String: String]
        var body: Data

        func json() throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
                throw CocoaError(.coderReadCorrupt)
            }
            return object
        }
    }

    func get(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    private func send(_ request: URLRequest) async throws -> Reply {
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            headers[String(describing: key).lowercased()] = String(describing: value)
        }
        return Reply(status: http.statusCode, headers: headers, body: data)
    }

    func post(_ path: String, json: String, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "POST"
        request.httpBody = Data(json.utf8)
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    func delete(_ path: String, headers: [String: String] = [:]) async throws -> Reply {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = "DELETE"
        for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
        return try await send(request)
    }

    /// Reads `count` Server-Sent Events from `path` on a thread of its own (the blocking socket must not hold
    /// one of the cooperative threads the daemon under test runs on).
    func events(_ path: String, count: Int, headers: [String: String] = [:]) async throws -> [ServerSentEvent] {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let client = try EventStreamClient(host: "127.0.0.1", port: port, path: path, headers: headers)
                    var events: [ServerSentEvent] = []
                    while events.count < count, let event = try client.nextEvent() { events.append(event) }
                    continuation.resume(returning: events)
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// One request over a plain socket (`RawHTTPConnection`), bytes exactly as sent (no client-side cache, no
    /// decompression); the connection closes after it.
    func raw(
        _ path: String, method: String = "GET", headers: [String: String] = [:]
    ) async throws
        -> (status: Int, headers: [String: String], body: Data)
    {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                do {
                    let connection = try RawHTTPConnection(port: port)
                    let fields = headers.map { "\($0): \($1)" } + ["Connection: close"]
                    try connection.send(RawHTTPConnection.request(method, path, headers: fields))
                    let response = try connection.response(bodyless: method == "HEAD")
                    continuation.resume(returning: (response.status, response.headers, response.body))
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    /// Polls `path` until `condition` holds on its JSON, or fails after `timeout`.
    func waitFor(
        _ path: String, timeout: Duration = .seconds(10), _ condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let deadline = ContinuousClock.now + timeout
        var last: [String: Any] = [:]
        while ContinuousClock.now < deadline {
            if let reply = try? await get(path), let json = try? reply.json() {
                last = json
                if condition(json) { return json }
            }
            try await Task.sleep(for: .milliseconds(25))
        }
        throw WaitError(path: path, last: "\(last)")
    }

    struct WaitError: Error, CustomStringConvertible {
        var path: String
        var last: String
        var description: String { "condition on \(path) not met; last reply: \(last.prefix(2_000))" }
    }
}
