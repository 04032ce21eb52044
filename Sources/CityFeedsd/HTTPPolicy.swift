import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// What every response goes through (DESIGN §7): errors as RFC 9457 problem documents, CORS for reads,
/// `If-None-Match` → 304 against the response's ETag, and gzip when the client asks for it.
struct HTTPPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Smaller bodies are not worth compressing.
    let compressFrom = 1_024
    /// The documented paths and their methods, to answer 405 (with `Allow`) rather than 404 when the path
    /// exists but the method does not.
    let routes: RouteTable
    let statistics: HTTPStatistics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response = try await respond(request, context: context, next: next)
        let (seconds, attoseconds) = (ContinuousClock.now - started).components
        statistics.record(status: response.status.code, seconds: Double(seconds) + Double(attoseconds) / 1e18)
        return response
    }

    private func respond(_ request: Request, context: Context, next: (Request, Context) async throws -> Response)
        async throws -> Response
    {
        let isRead = request.method == .get || request.method == .head
        if request.method == .options {
            // CORS preflight: reads only; the operator endpoints are not for browsers on other origins.
            return Response(
                status: .noContent,
                headers: [
                    .accessControlAllowOrigin: "*", .accessControlAllowMethods: "GET, HEAD, OPTIONS",
                    .accessControlAllowHeaders: "If-None-Match, Last-Event-ID, Accept, Accept-Encoding",
                    .accessControlMaxAge: "86400",
                ])
        }
        var response: Response
        do {
            response = try await next(request, context)
        } catch let error as any HTTPResponseError {
            if error.status == .notFound, let allowed = routes.methods(for: request.uri.path) {
                response = problemResponse(
                    .methodNotAllowed, detail: "\(request.method.rawValue) is not served here; \(allowed) are.")
                response.headers[.allow] = allowed
                return response
            }
            response = problemResponse(error.status, detail: Self.detail(of: error))
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)", "path": "\(request.uri.path)"])
            response = problemResponse(.internalServerError, detail: "The request could not be answered.")
        }
        guard isRead else { return response }
        response.headers[.accessControlAllowOrigin] = "*"
        response.headers[.accessControlExposeHeaders] = "ETag"
        if response.status == .ok, let etag = response.headers[.eTag],
            let wanted = request.headers[.ifNoneMatch], Self.matches(wanted, etag)
        {
            var headers: HTTPFields = [.eTag: etag]
            headers[.cacheControl] = response.headers[.cacheControl]
            headers[.vary] = "Accept-Encoding"
            headers[.accessControlAllowOrigin] = "*"
            headers[.accessControlExposeHeaders] = "ETag"
            return Response(status: .notModified, headers: headers)
        }
        return await compressed(response, request: request)
    }

    /// gzip when asked for, for a complete (not streamed) textual body large enough to gain.
    func compressed(_ response: Response, request: Request) async -> Response {
        guard response.headers[.contentEncoding] == nil,
            acceptsGzip(request.headers[.acceptEncoding]),
            let length = response.body.contentLength, length >= compressFrom,
            let type = response.headers[.contentType], type.contains("json") || type.hasPrefix("text/plain") || type.hasPrefix("text/csv")
        else { return response }
        let collector = CollectingWriter()
        let body = response.body
        guard (try? await body.write(collector.erased)) != nil, let bytes = collector.erasedBytes,
            let zipped = gzip(bytes)
        else { return response }
        var copy = response
        copy.headers[.contentEncoding] = "gzip"
        copy.headers[.vary] = "Accept-Encoding"
        copy.headers[.contentLength] = nil
        copy.body = ResponseBody(byteBuffer: ByteBuffer(bytes: zipped))
        return copy
    }

    /// `If-None-Match` holds `*` or one of its tags is the response's (weak comparison, RFC 9110 §13.1.2).
    static func matches(_ header: String, _ etag: String) -> Bool {
        let strip = { (tag: Substring) in tag.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "") }
        return header.split(separator: ",").contains { strip($0) == "*" || strip($0) == strip(Substring(etag)) }
    }

    static func detail(of error: any HTTPResponseError) -> String {
        if let error = error as? HTTPError, let message = error.body { return message }
        switch error.status {
        case .notFound: return "Nothing is served at this path. GET /openapi.json lists what is."
        case .contentTooLarge: return "The request body is too large."
        case .methodNotAllowed: return "This method is not allowed here."
        default: return error.status.reasonPhrase
        }
    }
}

/// Whether an `Accept-Encoding` header admits gzip (a `q=0` refuses it).
func acceptsGzip(_ header: String?) -> Bool {
    guard let header else { return false }
    return header.split(separator: ",").contains { part in
        let pieces = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        guard pieces.first?.lowercased() == "gzip" || pieces.first == "*" else { return false }
        return !pieces.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
    }
}

/// An RFC 9457 problem document as a response; never cached.
func problemResponse(_ status: HTTPResponse.Status, detail: String) -> Response {
    let document = ProblemDocument(title: status.reasonPhrase, status: status.code, detail: detail)
    let data = (try? HTTPAPI.encoder.encode(document)) ?? Data()
    return Response(
        status: status, headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

/// Paths (templates such as `/v1/beaches/{id}`) and the methods served on them, from the OpenAPI document.
struct RouteTable: Sendable {
    private let entries: [(segments: [Substring], methods: [String])]

    init(openAPI: String) {
        let object = (try? JSONSerialization.jsonObject(with: Data(openAPI.utf8))) as? [String: Any]
        let paths = object?["paths"] as? [String: [String: Any]] ?? [:]
        entries = paths.map { path, operations in
            var methods = operations.keys.map { $0.uppercased() }
            if methods.contains("GET") { methods.append("HEAD") }
            methods.append("OPTIONS")
            return (path.split(separator: "/"), methods.sorted())
        }
    }

    /// The methods served at `path`, as an `Allow` header value; `nil` if no documented path matches.
    func methods(for path: String) -> String? {
        let segments = path.split(separator: "/")
        let matching = entries.filter { entry in
            entry.segments.count == segments.count
                && zip(entry.segments, segments).allSatisfy { template, actual in template.hasPrefix("{") || template == actual }
        }
        guard !matching.isEmpty else { return nil }
        return Set(matching.flatMap(\.methods)).sorted().joined(separator: ", ")
    }
}

/// Gathers a complete response body (used only for bodies of known, bounded length).
struct CollectingWriter: ResponseBodyWriter {
    final class Storage: @unchecked Sendable {
        // Written by the one task that writes the body, read by that same task afterwards.
        var bytes: [UInt8] = []
        var finished = false
    }

    let storage = Storage()

    var erased: any ResponseBodyWriter { self }
    var erasedBytes: [UInt8]? { storage.finished ? storage.bytes : nil }

    mutating func write(_ buffer: ByteBuffer) async throws {
        storage.bytes.append(contentsOf: buffer.readableBytesView)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        storage.finished = true
    }
}

/// A JSON body rendered once and served to every poller: the bytes, their gzip, and an ETag.
struct Representation: Sendable {
    let bytes: ByteBuffer
    let gzipped: ByteBuffer?
    let etag: String

    init(_ data: [UInt8]) {
        bytes = ByteBuffer(bytes: data)
        gzipped = data.count >= 1_024 ? gzip(data).map { ByteBuffer(bytes: $0) } : nil
        etag = Self.tag(data)
    }

    /// A strong ETag: FNV-1a (64 bits) of the body. Not a security measure; identical state gives identical
    /// bytes (sorted keys), so identical tags.
    static func tag(_ data: some Sequence<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return "\"" + String(hash, radix: 16) + "\""
    }

    func response(for request: Request, cacheControl: String) -> Response {
        var headers: HTTPFields = [
            .contentType: "application/json; charset=utf-8", .cacheControl: cacheControl, .eTag: etag,
            .vary: "Accept-Encoding",
        ]
        if let gzipped, acceptsGzip(request.headers[.acceptEncoding]) {
            headers[.contentEncoding] = "gzip"
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: gzipped))
        }
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: bytes))
    }
}

/// HTTP responses by status class and how long they took, counted by the middleware and written into
/// `/metrics` as a Prometheus counter and histogram. One short lock per request; nothing is allocated.
final class HTTPStatistics: Sendable {
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1]

    private struct State {
        var byClass = [0, 0, 0, 0, 0]  // 1xx … 5xx
        var buckets = [Int](repeating: 0, count: HTTPStatistics.bounds.count)
        var count = 0
        var sum = 0.0
    }

    private let state = Mutex(State())

    func record(status: Int, seconds: Double) {
        state.withLock { state in
            state.byClass[min(max(status / 100, 1), 5) - 1] += 1
            if let bucket = Self.bounds.firstIndex(where: { seconds <= $0 }) { state.buckets[bucket] += 1 }
            state.count += 1
            state.sum += seconds
        }
    }

    /// The Prometheus text exposition of both metrics.
    var exposition: String {
        let state = state.withLock { $0 }
        var lines = [
            "# HELP cityfeeds_http_responses_total HTTP responses by status class",
            "# TYPE cityfeeds_http_responses_total counter",
        ]
        for (index, count) in state.byClass.enumerated() {
            lines.append("cityfeeds_http_responses_total{class=\"\(index + 1)xx\"} \(count)")
        }
        lines += [
            "# HELP cityfeeds_http_request_duration_seconds Time from the request to the response's head",
            "# TYPE cityfeeds_http_request_duration_seconds histogram",
        ]
        var cumulative = 0
        for (bound, count) in zip(Self.bounds, state.buckets) {
            cumulative += count
            lines.append("cityfeeds_http_request_duration_seconds_bucket{le=\"\(bound)\"} \(cumulative)")
        }
        lines.append("cityfeeds_http_request_duration_seconds_bucket{le=\"+Inf\"} \(state.count)")
        lines.append("cityfeeds_http_request_duration_seconds_sum \(state.sum)")
        lines.append("cityfeeds_http_request_duration_seconds_count \(state.count)")
        return lines.joined(separator: "\n") + "\n"
    }
}
