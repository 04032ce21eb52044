import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// `HTTPConnectionLifecycle` on an embedded channel with a virtual clock: idle connections and requests that
/// take too long to arrive are closed, answers in progress never are while their client reads, a client that
/// does not read its answers is not read from, and a connection closes only once its answer's last byte is out.
@Suite struct ConnectionLifecycleTests {
    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/status")

    func channel(timeout: TimeAmount? = .seconds(30), before: (any ChannelHandler)? = nil) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        if let before { try channel.pipeline.syncOperations.addHandler(before) }
        let lifecycle = HTTPConnectionLifecycle(idleTimeout: timeout, requestTimeout: timeout)
        try channel.pipeline.syncOperations.addHandler(lifecycle)
        try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
        // As in the daemon, the answers' ends are reported from above the encoder.
        try channel.pipeline.syncOperations.addHandler(
            HTTPAnswerEndObserver { [unowned lifecycle] closing in lifecycle.answerEnded(closing: closing) })
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return channel
    }

    func request(_ channel: EmbeddedChannel) throws {
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        try channel.writeInbound(HTTPServerRequestPart.end(nil))
    }

    func answer(_ channel: EmbeddedChannel) throws {
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
    }

    /// Still open one second before `seconds` from now, closed at `seconds`.
    func expectClosed(
        after seconds: Int64, _ channel: EmbeddedChannel, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        channel.embeddedEventLoop.advanceTime(by: .seconds(seconds - 1))
        #expect(channel.isActive, sourceLocation: sourceLocation)
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(!channel.isActive, sourceLocation: sourceLocation)
    }

    @Test func anIdleConnectionIsClosedAfterTheTimeout() throws {
        expectClosed(after: 30, try channel())
    }

    @Test func aPollingConnectionStaysOpenAndClosesOnceItFallsSilent() throws {
        let channel = try channel()
        for _ in 0..<10 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(20))
            try request(channel)
            try answer(channel)
        }
        #expect(channel.isActive, "200 s of polling every 20 s")
        expectClosed(after: 30, channel)
    }

    @Test func aRequestInProgressIsNeverCutByTheTimeout() throws {
        let channel = try channel()
        try request(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(300))
        #expect(channel.isActive, "an answer still being made (a stream, a slow query)")
        try answer(channel)
        channel.embeddedEventLoop.advanceTime(by: .seconds(30))
        #expect(!channel.isActive)
    }

    @Test func aRequestTrickledTooSlowlyIsCut() throws {
        let channel = try channel()
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        for _ in 0..<2 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(10))
            try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: "x")))
        }
        #expect(channel.isActive, "20 s into its request, still sending")
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(!channel.isActive, "30 s after its head, the request has not arrived")
    }

    /// Counts the reads that reach the socket.
    final class ReadCounter: ChannelOutboundHandler {
        typealias OutboundIn = Any
        var reads = 0
        func read(context: ChannelHandlerContext) {
            reads += 1
            context.read()
        }
    }

    @Test func aClientThatDoesNotReadItsAnswersIsNotReadFrom() throws {
        let counter = ReadCounter()
        let channel = try channel(before: counter)
        channel.read()
        #expect(counter.reads == 1)
        channel.isWritable = false
        channel.pipeline.fireChannelWritabilityChanged()
        channel.read()
        channel.read()
        #expect(counter.reads == 1, "held back while answers wait to be written")
        channel.isWritable = true
        channel.pipeline.fireChannelWritabilityChanged()
        #expect(counter.reads == 2, "one read once the answers have gone")
    }

    @Test func gracefulShutdownClosesIdleConnectionsAtOnceAndBusyOnesAfterTheirAnswer() throws {
        let idle = try channel()
        idle.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!idle.isActive)

        let busy = try channel()
        try request(busy)
        busy.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(busy.isActive)
        try busy.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok)))
        #expect(busy.isActive)
        try busy.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(!busy.isActive)
    }

    @Test func anAnswerSayingConnectionCloseEndsTheConnection() throws {
        let channel = try channel()
        try request(channel)
        var headers = HTTPHeaders()
        headers.add(name: "Connection", value: "Close")
        try channel.writeOutbound(
            HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers)))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(!channel.isActive)
    }

    /// Holds the writes that would reach the socket until released: a client reading as slowly as a test wants.
    final class HeldWrites: ChannelOutboundHandler {
        typealias OutboundIn = IOData
        var held: [(data: NIOAny, promise: EventLoopPromise<Void>?)] = []
        private var context: ChannelHandlerContext?

        func handlerAdded(context: ChannelHandlerContext) { self.context = context }
        func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
            held.append((data, promise))
        }
        func flush(context: ChannelHandlerContext) {}

        /// The client takes the next `count` writes.
        func release(_ count: Int = .max) {
            let taken = held.prefix(count)
            held.removeFirst(taken.count)
            for (data, promise) in taken { context?.write(data, promise: promise) }
            context?.flush()
        }
    }

    func answer(_ channel: EmbeddedChannel, bytes: Int, headers: HTTPHeaders = [:]) throws {
        var headers = headers
        headers.add(name: "Content-Length", value: "\(bytes)")
        // Not `writeOutbound`, which waits for the writes the client holds.
        channel.write(
            HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers)),
            promise: nil)
        channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(repeating: 0x61, count: bytes))), promise: nil)
        channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
    }

    @Test func aSlowDownloadIsNeverCutWhileItsClientReads() throws {
        let client = HeldWrites()
        let channel = try channel(before: client)
        try request(channel)
        try answer(channel, bytes: 5_000_000)
        #expect(client.held.count > 70, "sent in slices of at most 64 KiB")
        // One slice every 25 s: slower than the timeout between requests, yet always moving.
        for _ in 0..<20 {
            channel.embeddedEventLoop.advanceTime(by: .seconds(25))
            #expect(channel.isActive)
            client.release(1)
        }
        client.release()
        #expect(channel.isActive, "the answer is out; the connection may be used again")
        expectClosed(after: 30, channel)
    }

    @Test func aClientThatTakesNothingForTheTimeoutIsCutEvenMidAnswer() throws {
        let client = HeldWrites()
        let channel = try channel(before: client)
        try request(channel)
        try answer(channel, bytes: 1_000_000)
        client.release(3)
        expectClosed(after: 30, channel)
    }

    /// HTTP/1.0 or `Connection: close`: the connection closes after the answer's last byte, not when the
    /// answer was handed over (a 5 MB document was cut at 4 MB).
    @Test func aClosingAnswerIsDeliveredWholeBeforeTheConnectionCloses() throws {
        let client = HeldWrites()
        let channel = try channel(before: client)
        try request(channel)
        try answer(channel, bytes: 5_200_000, headers: ["Connection": "close"])
        #expect(channel.isActive, "bytes still queued")
        client.release(40)
        #expect(channel.isActive)
        client.release()
        #expect(!channel.isActive)
    }

    @Test func atShutdownAStalledAnswerIsCutAfterAShortGrace() throws {
        let client = HeldWrites()
        let channel = try channel(before: client)
        try request(channel)
        try answer(channel, bytes: 1_000_000)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        expectClosed(after: 5, channel)
    }

    @Test func withoutATimeoutOnlyShutdownCloses() throws {
        let channel = try channel(timeout: nil)
        try channel.writeInbound(HTTPServerRequestPart.head(head))
        channel.embeddedEventLoop.advanceTime(by: .hours(24))
        #expect(channel.isActive)
        channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        try answer(channel)
        #expect(!channel.isActive)
    }
}
