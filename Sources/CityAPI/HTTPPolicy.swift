import CityCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization

/// What every response goes through: errors as RFC 9457 problem documents, CORS for reads,
/// `If-None-Match` → 304 against the response's ETag, and gzip when the client asks for it.
package struct HTTPPolicyMiddleware<Context: RequestContext>: RouterMiddleware {
    /// Smaller bodies are not worth compressing.
    let compressFrom = 1_024
    /// The documented paths and their methods, to answer 405 (with `Allow`) rather than 404 when the path
    /// exists but the method does not.
    let routes: RouteTable
    let statistics: HTTPStatistics

    /// The policy for the documented `routes`, counting every answer in `statistics`.
    package init(routes: RouteTable, statistics: HTTPStatistics) {
        self.routes = routes
        self.statistics = statistics
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let response = try await respond(request, context: context, next: next)
        statistics.record(status: response.status.code, since: started)
        return response
    }

    private func respond(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    )
        async throws -> Response
    {
        // HEAD arrives here as GET (HeadAsGetResponder).
        let isRead = request.method == .get
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
        for field in readFields { response.headers[field.name] = field.value }
        if response.status == .ok, let etag = response.headers[.eTag],
            let wanted = request.headers[.ifNoneMatch], etagMatches(wanted, etag)
        {
            return Response(
                status: .notModified, headers: notModified(etag: etag, cacheControl: response.headers[.cacheControl]))
        }
        return await compressed(response, request: request)
    }

    /// gzip when asked for, for a complete (not streamed) textual body large enough to gain.
    func compressed(_ response: Response, request: Request) async -> Response {
        guard response.headers[.contentEncoding] == nil,
            acceptsGzip(request.headers[.acceptEncoding]),
            let length = response.body.contentLength, length >= compressFrom,
            let type = response.headers[.contentType],
            type.contains("json") || type.hasPrefix("text/plain") || type.hasPrefix("text/csv")
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

/// HEAD is GET without the body (RFC 9110 §9.3.2): routed as GET, answered with the same status and headers,
/// `Content-Length` included. (Hummingbird's router matches HEAD only on routes declared for it, and the
/// response encoder is not told which requests were HEAD: see `PolledHTTP1Channel`.)
package struct HeadAsGetResponder<Wrapped: HTTPResponder>: HTTPResponder {
    let wrapped: Wrapped

    /// Answers HEAD through `wrapped` as GET.
    package init(wrapped: Wrapped) {
        self.wrapped = wrapped
    }

    package func respond(to request: Request, context: Wrapped.Context) async throws -> Response {
        guard request.method == .head else { return try await wrapped.respond(to: request, context: context) }
        var head = request.head
        head.method = .get
        var response = try await wrapped.respond(to: Request(head: head, body: request.body), context: context)
        let length = response.headers[.contentLength]
        response.body = ResponseBody()
        response.headers[.contentLength] = length
        // Without a length (an event stream), HTTP/1 framing would be chunked, and the chunked framing's end
        // would follow a HEAD answer that must have no body: the connection ends with this answer instead.
        if length == nil { response.headers[.connection] = "close" }
        return response
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
    let document = Contract.Problem(
        detail: detail, status: status.code, title: status.reasonPhrase, type: "about:blank")
    let data = (try? HTTPAPI.encoder.encode(document)) ?? Data()
    return Response(
        status: status, headers: [.contentType: "application/problem+json", .cacheControl: "no-store"],
        body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
}

/// Paths (templates such as `/v1/beaches/{id}`) and the methods served on them, from the OpenAPI document.
package struct RouteTable: Sendable {
    private let entries: [(segments: [Substring], methods: [String])]

    /// The table of the contract's operations (`OpenAPI.operations`).
    package init(operations: [OpenAPI.Operation]) {
        entries = Dictionary(grouping: operations, by: \.path).map { path, operations in
            var methods = operations.map(\.method)
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
                && zip(entry.segments, segments).allSatisfy { template, actual in
                    template.hasPrefix("{") || template == actual
                }
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

/// A document rendered once and served to every poller: the bytes, their gzip, an ETag, and the header
/// fields of each answer, built here once rather than per request (the router and the event-loop fast path
/// both answer from it, with the same headers).
struct Representation: Sendable {
    let bytes: ByteBuffer
    let gzipped: ByteBuffer?
    let etag: String
    private let plainFields: HTTPFields
    private let gzipFields: HTTPFields?
    private let notModifiedFields: HTTPFields

    init(_ data: [UInt8], contentType: String = "application/json; charset=utf-8", cacheControl: String) {
        bytes = ByteBuffer(bytes: data)
        gzipped = data.count >= 1_024 ? gzip(data).map { ByteBuffer(bytes: $0) } : nil
        etag = Self.tag(data)
        var fields = readFields
        fields[.contentType] = contentType
        fields[.cacheControl] = cacheControl
        fields[.eTag] = etag
        fields[.vary] = "Accept-Encoding"
        notModifiedFields = notModified(etag: etag, cacheControl: cacheControl)
        if let gzipped {
            var zipped = fields
            zipped[.contentEncoding] = "gzip"
            zipped[.contentLength] = String(gzipped.readableBytes)
            gzipFields = zipped
        } else {
            gzipFields = nil
        }
        fields[.contentLength] = String(data.count)
        plainFields = fields
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

    /// The three answers to a read.
    enum Variant: Sendable {
        case plain, gzipped, notModified
    }

    /// What a read with these request headers gets: 304 when the client holds this version, else 200, gzipped
    /// when asked for.
    func variant(ifNoneMatch: String?, acceptEncoding: String?) -> Variant {
        if let ifNoneMatch, etagMatches(ifNoneMatch, etag) { return .notModified }
        if gzipped != nil, acceptsGzip(acceptEncoding) { return .gzipped }
        return .plain
    }

    func status(_ variant: Variant) -> HTTPResponse.Status {
        variant == .notModified ? .notModified : .ok
    }

    func fields(_ variant: Variant) -> HTTPFields {
        switch variant {
        case .plain: plainFields
        case .gzipped: gzipFields ?? plainFields
        case .notModified: notModifiedFields
        }
    }

    func body(_ variant: Variant) -> ByteBuffer? {
        switch variant {
        case .plain: bytes
        case .gzipped: gzipped ?? bytes
        case .notModified: nil
        }
    }

    func response(for request: Request) -> Response {
        let variant = variant(
            ifNoneMatch: request.headers[.ifNoneMatch], acceptEncoding: request.headers[.acceptEncoding])
        return Response(
            status: status(variant), headers: fields(variant),
            body: body(variant).map(ResponseBody.init(byteBuffer:)) ?? ResponseBody())
    }
}

/// Header fields every read response carries: any origin may read, and see the ETag.
let readFields: HTTPFields = [.accessControlAllowOrigin: "*", .accessControlExposeHeaders: "ETag"]

/// The header fields of a 304: what a cache needs to refresh its copy (RFC 9110 §15.4.5).
func notModified(etag: String, cacheControl: String?) -> HTTPFields {
    var fields = readFields
    fields[.eTag] = etag
    fields[.cacheControl] = cacheControl
    fields[.vary] = "Accept-Encoding"
    return fields
}

/// `If-None-Match` holds `*` or one of its tags is `etag` (weak comparison, RFC 9110 §13.1.2). The common
/// case, the one tag the client was given, is compared without splitting.
func etagMatches(_ header: String, _ etag: String) -> Bool {
    if header == etag { return true }
    let opaque = { (tag: Substring) -> Substring in
        let trimmed = tag.drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" })
            .reversed()
        let text = Substring(trimmed)
        return text.hasPrefix("W/") ? text.dropFirst(2) : text
    }
    let wanted = opaque(Substring(etag))
    return header.split(separator: ",").contains { opaque($0) == "*" || opaque($0) == wanted }
}

/// HTTP responses by status class and how long they took, counted by the middleware and the polled-read
/// handler, and the connections open and refused, written into `/metrics`. One short lock per request;
/// nothing is allocated.
package final class HTTPStatistics: Sendable {
    static let bounds: [Double] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1]

    private struct State {
        var byClass = [0, 0, 0, 0, 0]  // 1xx … 5xx
        var buckets = [Int](repeating: 0, count: HTTPStatistics.bounds.count)
        var count = 0
        var sum = 0.0
    }

    private let state = Mutex(State())
    /// Connections beyond this are refused (503, then closed): every connection holds a file descriptor, and
    /// the store, the alert journal and the MQTT session need theirs.
    let maxConnections: Int
    /// Connections one client address may hold: its share of `maxConnections`, so that one client holding
    /// idle connections cannot lock everyone else out. (Phones behind one carrier NAT share an address: the
    /// share is a tenth of the whole by default, not a handful.)
    let maxConnectionsPerAddress: Int
    private let openConnections = Atomic<Int>(0)
    private let refusedConnections = Atomic<Int>(0)
    private let refusedForAddress = Atomic<Int>(0)
    /// Open connections per client address; an address leaves the map with its last connection, so the map
    /// is never larger than the connections open.
    private let perAddress = Mutex<[String: Int]>([:])

    /// Counters admitting at most `maxConnections`, and `maxConnectionsPerAddress` from one address (a tenth by default).
    package init(maxConnections: Int = 10_000, maxConnectionsPerAddress: Int? = nil) {
        self.maxConnections = maxConnections
        self.maxConnectionsPerAddress = maxConnectionsPerAddress ?? max(1, maxConnections / 10)
    }

    enum Admission: Equatable {
        case admitted
        case refusedOverall
        case refusedForAddress
    }

    /// Counts a new connection from `address` in, or refuses it (and counts that) when `maxConnections` are
    /// open, or the address already holds its share.
    func admitConnection(from address: String? = nil) -> Admission {
        guard openConnections.add(1, ordering: .relaxed).newValue <= maxConnections else {
            openConnections.subtract(1, ordering: .relaxed)
            refusedConnections.add(1, ordering: .relaxed)
            return .refusedOverall
        }
        guard let address else { return .admitted }
        let admitted = perAddress.withLock { open in
            guard open[address, default: 0] < maxConnectionsPerAddress else { return false }
            open[address, default: 0] += 1
            return true
        }
        guard admitted else {
            openConnections.subtract(1, ordering: .relaxed)
            refusedForAddress.add(1, ordering: .relaxed)
            return .refusedForAddress
        }
        return .admitted
    }

    func connectionClosed(from address: String? = nil) {
        openConnections.subtract(1, ordering: .relaxed)
        if let address { release(address) }
    }

    private func release(_ address: String) {
        perAddress.withLock { open in
            let left = open[address, default: 1] - 1
            open[address] = left > 0 ? left : nil
        }
    }

    /// One answer with `status`, for a request that arrived at `started`.
    func record(status: Int, since started: ContinuousClock.Instant) {
        let (whole, attoseconds) = (ContinuousClock.now - started).components
        record(status: status, seconds: Double(whole) + Double(attoseconds) / 1e18)
    }

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
        lines += [
            "# HELP cityfeeds_http_connections Open HTTP connections",
            "# TYPE cityfeeds_http_connections gauge",
            "cityfeeds_http_connections \(openConnections.load(ordering: .relaxed))",
            "# HELP cityfeeds_http_connections_refused_total Connections refused: at http.max_connections (limit=\"total\") or at one address's share (limit=\"per_address\")",
            "# TYPE cityfeeds_http_connections_refused_total counter",
            "cityfeeds_http_connections_refused_total{limit=\"total\"} \(refusedConnections.load(ordering: .relaxed))",
            "cityfeeds_http_connections_refused_total{limit=\"per_address\"} \(refusedForAddress.load(ordering: .relaxed))",
        ]
        return lines.joined(separator: "\n") + "\n"
    }
}
