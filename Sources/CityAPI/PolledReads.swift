import CityCore
import HTTPTypes
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1
import RequestParsing

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Answers the polled documents (`PolledDocument`) on the connection's event loop, ahead of the router.
///
/// Thousands of apps poll the same few documents. Through the router, each poll costs a
/// conversion of the request to HTTPTypes, a hop into Swift concurrency, the router and the middleware, a
/// conversion of the response back and its encoding: most of what the request costs in all
/// (docs/benchmarks.md). The answer is the same either way: the same `Representation` from the same snapshot
/// cache, with the same headers and status (200 or 304), counted in `/metrics` the same way. Its head is
/// encoded here, once per second for each variant, and written as bytes with the shared body. Everything
/// else is passed on.
///
/// HTTP/1.1 lets a client send its next request before the previous answer: while a request passed on to the
/// router is unanswered, every request is passed on too, so answers leave in the order requests came.
package final class PolledReadHandler: ChannelInboundHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias InboundOut = HTTPServerRequestPart
    package typealias OutboundOut = ByteBuffer

    private struct HeadKey: Hashable {
        var etag: String
        var variant: Representation.Variant
        var minorVersion: Int
        var closing: Bool
    }

    private let api: HTTPAPI
    private let statistics: HTTPStatistics
    private let serverName: String
    private let lifecycle: HTTPConnectionLifecycle
    /// Encoded response heads of this second (their `Date` is the second's).
    private var heads: [HeadKey: ByteBuffer] = [:]
    private var headsSecond = -1

    /// A handler for one connection, answering from `api`'s snapshots.
    package init(api: HTTPAPI, statistics: HTTPStatistics, serverName: String, lifecycle: HTTPConnectionLifecycle) {
        self.api = api
        self.statistics = statistics
        self.serverName = serverName
        self.lifecycle = lifecycle
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let action: PolledReadStateMachine.Action
        switch unwrapInboundIn(data) {
        case .head(let head):
            action = requests.head(head, requestsInProgress: lifecycle.requestsInProgress, serves: api.serves)
            if action == .wait { started = .now }
        case .body: action = requests.body()
        case .end: action = requests.end()
        }
        switch action {
        case .passOn: context.fireChannelRead(data)
        case .wait: break
        case .answer(let document, let head): answer(document, to: head, started: started, context: context)
        case .startStream(let head): startStream(head, started: started, context: context)
        }
    }

    /// Which requests are answered here (see `PolledReadStateMachine`), and when the one being received began.
    private var requests = PolledReadStateMachine()
    private var started = ContinuousClock.now
    /// The stream being answered (see `AlertStreamSession`).
    private var stream: AlertStreamSession?

    /// The path of the alert stream (the contract's `streamAlerts`), answered here on the event loop.
    static let alertStreamPath = "/v1/alerts/stream"

    static func isAlertStream(_ uri: String) -> Bool {
        uri == alertStreamPath || uri.hasPrefix(alertStreamPath + "?")
    }

    private func startStream(
        _ request: HTTPRequestHead, started: ContinuousClock.Instant, context: ChannelHandlerContext
    ) {
        let query = request.uri.firstIndex(of: "?").map {
            Query(parsing: String(request.uri[request.uri.index(after: $0)...]))
        }
        let resume =
            request.headers.first(name: "last-event-id").flatMap { Int64($0) }
            ?? query?.get("after").flatMap { Int64($0) }
        let http10 = request.version.minor == 0
        let closing = !request.isKeepAlive
        var head = ByteBuffer()
        head.writeString("HTTP/1.\(request.version.minor) 200 OK\r\n")
        head.writeString(
            "Content-Type: text/event-stream; charset=utf-8\r\nCache-Control: no-cache\r\nX-Accel-Buffering: no\r\n")
        for field in readFields { head.writeString("\(field.name.rawName): \(field.value)\r\n") }
        head.writeString("Date: \(HTTPDate.format(time(nil)))\r\nServer: \(serverName)\r\n")
        if !http10 { head.writeString("Transfer-Encoding: chunked\r\n") }
        if closing || http10 { head.writeString("Connection: close\r\n") }
        head.writeString("\r\n")
        let session = AlertStreamSession(
            context: context, alerts: api.alerts, events: api.encodedEvents, steps: api.encodedSteps,
            lifecycle: lifecycle, http10: http10, closing: closing)
        stream = session
        statistics.record(status: 200, since: started)
        let heartbeat = api.heartbeatInterval.components
        session.start(
            after: resume, head: head,
            heartbeat: .nanoseconds(heartbeat.seconds * 1_000_000_000 + heartbeat.attoseconds / 1_000_000_000))
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { stream?.pump() }
        context.fireChannelWritabilityChanged()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        stream?.connectionClosed()
        context.fireChannelInactive()
    }

    /// Graceful shutdown reaches a connection whose answer is in progress: a stream answered here ends (with
    /// its last event); the router's answers end by themselves.
    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            // Not passed on: the lifecycle below closes the connection once its answer ends, as before.
            stream?.shutDown()
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// GET or HEAD of a polled document; anything else is the router's.
    static func polledDocument(_ head: HTTPRequestHead) -> PolledDocument? {
        guard head.method == .GET || head.method == .HEAD else { return nil }
        let uri = head.uri
        let mark = uri.firstIndex(of: "?")
        let accept = head.headers.contains(name: "accept") ? head.headers["accept"].joined(separator: ", ") : nil
        return PolledDocument(
            path: uri[..<(mark ?? uri.endIndex)], query: mark.map { uri[uri.index(after: $0)...] }, accept: accept)
    }

    private func answer(
        _ document: PolledDocument, to request: HTTPRequestHead, started: ContinuousClock.Instant,
        context: ChannelHandlerContext
    ) {
        // `serves` said yes at the head: a reload in between that removed the district is answered as empty.
        let representation = api.representation(of: document) ?? Representation([], cacheControl: "no-cache")
        let variant = representation.variant(
            ifNoneMatch: request.headers.first(name: "if-none-match"),
            acceptEncoding: request.headers.first(name: "accept-encoding"))
        let closing = !request.isKeepAlive
        // The answer ends when its last byte is written (closing before would cut it short).
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [lifecycle] _ in lifecycle.answerEnded(closing: closing) }
        let head = wrapOutboundOut(
            encodedHead(representation, variant, minorVersion: request.version.minor, closing: closing))
        // HEAD: the GET's head (Content-Length included), no body.
        if request.method == .GET, let body = representation.body(variant) {
            context.write(head, promise: nil)
            context.write(wrapOutboundOut(body), promise: written)
        } else {
            context.write(head, promise: written)
        }
        context.flush()
        statistics.record(status: representation.status(variant).code, since: started)
    }

    /// The response head for this representation's variant, with this second's `Date` and the server's name,
    /// encoded as HTTP/1 sends it.
    private func encodedHead(
        _ representation: Representation, _ variant: Representation.Variant, minorVersion: Int, closing: Bool
    ) -> ByteBuffer {
        let second = time(nil)
        if second != headsSecond {
            heads.removeAll(keepingCapacity: true)
            headsSecond = second
        }
        let key = HeadKey(etag: representation.etag, variant: variant, minorVersion: minorVersion, closing: closing)
        if let head = heads[key] { return head }
        let status = representation.status(variant)
        var head = ByteBuffer()
        head.reserveCapacity(512)
        head.writeString("HTTP/1.\(minorVersion) \(status.code) \(status.reasonPhrase)\r\n")
        for field in representation.fields(variant) {
            head.writeString("\(field.name.rawName): \(field.value)\r\n")
        }
        head.writeString("Date: \(HTTPDate.format(second))\r\nServer: \(serverName)\r\n")
        if closing { head.writeString("Connection: close\r\n") }
        head.writeString("\r\n")
        heads[key] = head
        return head
    }
}

/// Answers a connection over `http.max_connections` with a 503 (so that clients back off rather than retry at
/// once) and closes it; what it sends is never read.
final class RefusedConnectionHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let answer =
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 5\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { refuse(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        refuse(context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    private func refuse(_ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: Self.answer)), promise: nil)
        context.close(promise: nil)
    }
}

/// The `Date` header's value (RFC 9110 §5.6.7).
enum HTTPDate {
    static func format(_ seconds: Int) -> String {
        var clock = time_t(seconds)
        var parts = tm()
        gmtime_r(&clock, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return
            "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }
}

/// Hummingbird's HTTP/1 child channel, with `HTTPConnectionLifecycle` and `PolledReadHandler` between the
/// request decoder and the response encoder (see docs/architecture.md for the whole pipeline).
struct PolledHTTP1Channel: HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let configuration: HTTP1Channel.Configuration
    let polledReads: @Sendable (HTTPConnectionLifecycle) -> PolledReadHandler
    let statistics: HTTPStatistics
    /// The kernel's send buffer per connection (Linux doubles it), so that what a client does not read costs
    /// a bounded amount of kernel memory, and a client that stops reading is noticed (the writes stall) after
    /// that much, not after the megabytes Linux would otherwise grow the buffer to.
    let sendBufferBytes: Int

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let address = channel.remoteAddress?.ipAddress
        let admission = statistics.admitConnection(from: address)
        let admitted = admission == .admitted
        switch admission {
        case .admitted:
            channel.closeFuture.whenComplete { [statistics] _ in statistics.connectionClosed(from: address) }
        case .refusedOverall:
            logger.debug("HTTP connection refused: http.max_connections (\(statistics.maxConnections)) are open")
        case .refusedForAddress:
            logger.debug(
                "HTTP connection refused: the address holds its share (\(statistics.maxConnectionsPerAddress))",
                metadata: ["http.client": "\(address ?? "")"])
        }
        return channel.eventLoop.makeCompletedFuture {
            try channel.syncOptions?.setOption(
                ChannelOptions.socketOption(.so_sndbuf), value: SocketOptionValue(sendBufferBytes))
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = configuration.httpDecoder.maxHeaderFieldSize
            limits.maxHeaderListSize = configuration.httpDecoder.maxHeaderListSize
            limits.maxHeaderFieldCount = configuration.httpDecoder.maxHeaderFieldCount
            // The request decoder and the response encoder are not paired as `configureHTTPServerPipeline`
            // pairs them (the encoder learning each request's method to leave out HEAD bodies): the polled
            // answers do not pass through the encoder, which would then pair the wrong requests. HEAD answers
            // from the router have no body already (`HeadAsGetResponder`).
            // One bound for both: 30 s idle between requests, 30 s to send a request once begun.
            let lifecycle = HTTPConnectionLifecycle(
                idleTimeout: configuration.idleTimeout, requestTimeout: configuration.idleTimeout)
            let reads = polledReads(lifecycle)
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(
                ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes, limitConfiguration: limits)))
            try pipeline.addHandler(lifecycle)
            try pipeline.addHandler(reads)
            try pipeline.addHandler(HTTPResponseEncoder(configuration: .init()))
            try pipeline.addHandler(
                HTTPAnswerEndObserver { [unowned lifecycle] closing in lifecycle.answerEnded(closing: closing) })
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            if !admitted { try pipeline.addHandler(RefusedConnectionHandler(), position: .first) }
            return try NIOAsyncChannel(
                wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}

package extension HTTPServerBuilder {
    /// HTTP/1 with the polled documents answered ahead of the router, and at most
    /// `statistics.maxConnections` connections.
    static func http1(
        configuration: HTTP1Channel.Configuration, statistics: HTTPStatistics, sendBufferBytes: Int,
        polledReads: @escaping @Sendable (HTTPConnectionLifecycle) -> PolledReadHandler
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            PolledHTTP1Channel(
                responder: responder, configuration: configuration, polledReads: polledReads, statistics: statistics,
                sendBufferBytes: sendBufferBytes)
        }
    }
}
