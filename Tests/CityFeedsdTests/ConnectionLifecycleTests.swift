import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing

@testable import CityFeedsd

/// `HTTPConnectionLifecycle` on an embedded channel with a virtual clock: idle connections and requests that
/// take too long to arrive are closed, answers in progress never are, a client that does not read its
/// answers is not read from, and graceful shutdown closes each connection once its answer is out.
@Suite struct ConnectionLifecycleTests {
    let head = HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v1/status")

    func channel(timeout: TimeAmount? = .seconds(30), before: (any ChannelHandler)? = nil) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        if let before { try channel.pipeline.syncOperations.addHandler(before) }
        let lifecycle = HTTPConnectionLifecycle(idleTimeout: timeout, requestTimeout: timeout)
        try channel.pipeline.syncOperations.addHandler(lifecycle)
        // As in the daemon, the answers' ends are reported from above the (here absent) encoder.
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
    func expectClosed(after seconds: Int64, _ channel: EmbeddedChannel, sourceLocation: SourceLocation = #_sourceLocation) {
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
        try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .badRequest, headers: headers)))
        #expect(channel.isActive)
        try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        #expect(!channel.isActive)
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
