import CityCore
import NIOCore
import NIOHTTP1

/// Keeps each HTTP/1 connection bounded, whichever handler answers its requests. It sits right after the
/// request decoder, so it sees every request and every byte of every answer; the end of each answer is
/// reported to it (`answerEnded`), once its last byte has been handed to the kernel, by
/// `HTTPAnswerEndObserver` for the router's answers and by `PolledReadHandler` for its own.
/// - in time: a connection with no request in progress is closed after `idleTimeout`, and one whose request
///   has not fully arrived `requestTimeout` after its head (a body trickled byte by byte) is closed too. An
///   answer being sent is never cut while its client reads, however slowly (large answers go out in slices
///   of 64 KiB, each one progress); only a client that takes no byte at all for `idleTimeout` is cut (for
///   `stalledAtShutdown` once the server is shutting down). An answer that is waiting for something to say
///   (the alert stream between events) is not cut;
/// - in memory: while the client does not read its answers (the channel is not writable), nothing more is
///   read from it, so a client pipelining requests without reading cannot pile up answers;
/// - at shutdown: on graceful shutdown each connection is closed as soon as it has no request in progress
///   (at once if idle, else after its answer); so is one whose answer said `Connection: close`, after the
///   answer's last byte.
package final class HTTPConnectionLifecycle: ChannelDuplexHandler, RemovableChannelHandler {
    package typealias InboundIn = HTTPServerRequestPart
    package typealias InboundOut = HTTPServerRequestPart
    /// Answers pass through as bytes, large buffers in slices.
    package typealias OutboundIn = IOData
    package typealias OutboundOut = IOData

    static let sliceBytes = 65_536
    /// How long a stalled answer may wait once the server is shutting down.
    static let stalledAtShutdown = TimeAmount.seconds(5)

    private let idleTimeout: TimeAmount?
    private let requestTimeout: TimeAmount?
    private var context: ChannelHandlerContext?
    /// Requests whose head has arrived and whose answer has not ended.
    private var inProgress = 0
    /// When the head of the request still arriving came (`nil` between requests).
    private var receivingSince: NIODeadline?
    private var lastActive = NIODeadline.uptimeNanoseconds(0)
    private var closeWhenDone = false
    private var readHeldBack = false
    /// Writes handed down and not yet taken by the kernel, and when the last one was (or the first was made).
    private var pendingWrites = 0
    private var lastProgress = NIODeadline.uptimeNanoseconds(0)
    private var quiescing = false
    private var check: (task: Scheduled<Void>, deadline: NIODeadline)?

    init(idleTimeout: TimeAmount?, requestTimeout: TimeAmount?) {
        self.idleTimeout = idleTimeout
        self.requestTimeout = requestTimeout
    }

    /// Requests whose head has arrived and whose answer has not ended, the one arriving included.
    var requestsInProgress: Int { inProgress }

    /// An answer has been written in full; with `closing`, the connection ends after it.
    func answerEnded(closing: Bool = false) {
        guard let context else { return }
        inProgress = max(0, inProgress - 1)
        lastActive = context.eventLoop.now
        if closing { closeWhenDone = true }
        if inProgress == 0 && closeWhenDone {
            context.flush()
            context.close(promise: nil)
        }
    }

    package func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    package func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    package func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    package func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    package func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = context.eventLoop.now
        switch unwrapInboundIn(data) {
        case .head:
            inProgress += 1
            receivingSince = now
            if let requestTimeout { scheduleCheck(context, at: now + requestTimeout) }
        case .body: break
        case .end: receivingSince = nil
        }
        lastActive = now
        context.fireChannelRead(data)
    }

    package func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var buffer) = unwrapOutboundIn(data), buffer.readableBytes > Self.sliceBytes else {
            track(context, data, promise)
            return
        }
        // Slices share the buffer's storage: no copy, and each slice written is a sign of progress.
        while buffer.readableBytes > Self.sliceBytes, let slice = buffer.readSlice(length: Self.sliceBytes) {
            track(context, wrapOutboundOut(.byteBuffer(slice)), nil)
        }
        track(context, wrapOutboundOut(.byteBuffer(buffer)), promise)
    }

    /// Writes `data`, noting when the kernel has taken it.
    private func track(_ context: ChannelHandlerContext, _ data: NIOAny, _ promise: EventLoopPromise<Void>?) {
        let written = context.eventLoop.makePromise(of: Void.self)
        if pendingWrites == 0 {
            lastProgress = context.eventLoop.now
            if let limit = stallLimit { scheduleCheck(context, at: lastProgress + limit) }
        }
        pendingWrites += 1
        written.futureResult.assumeIsolated().whenComplete { [self] _ in
            pendingWrites -= 1
            lastProgress = context.eventLoop.now
        }
        if let promise { written.futureResult.cascade(to: promise) }
        context.write(data, promise: written)
    }

    private var stallLimit: TimeAmount? {
        guard let idleTimeout else { return nil }
        return quiescing ? min(idleTimeout, Self.stalledAtShutdown) : idleTimeout
    }

    /// Reads on only while the client takes its answers: a client that pipelines without reading is not buffered for.
    package func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    package func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && readHeldBack {
            readHeldBack = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    package func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        quiescing = true
        if inProgress == 0 {
            context.close(promise: nil)
        } else {
            closeWhenDone = true
            if pendingWrites > 0, let limit = stallLimit { scheduleCheck(context, at: lastProgress + limit) }
            // An answer that never ends by itself (the alert stream) ends now: the handler above learns it here.
            context.fireUserInboundEventTriggered(event)
        }
    }

    private func start(_ context: ChannelHandlerContext) {
        lastActive = context.eventLoop.now
        if let idleTimeout { scheduleCheck(context, at: lastActive + idleTimeout) }
    }

    private func stop() {
        check?.task.cancel()
        check = nil
    }

    /// When the connection would next be over one of its bounds, if nothing happens until then.
    private var nextDeadline: NIODeadline? {
        if let receivingSince, let requestTimeout { return receivingSince + requestTimeout }
        if pendingWrites > 0, let stallLimit { return lastProgress + stallLimit }
        if inProgress == 0, let idleTimeout { return lastActive + idleTimeout }
        return nil
    }

    /// One check pending at a time, at the earliest deadline asked for; a check that comes early (activity
    /// moved the deadline) schedules the next.
    private func scheduleCheck(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        if let check {
            guard deadline < check.deadline else { return }
            check.task.cancel()
        }
        let task = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            check = nil
            guard context.channel.isActive else { return }
            if let due = nextDeadline {
                if due <= context.eventLoop.now {
                    context.close(promise: nil)
                } else {
                    scheduleCheck(context, at: due)
                }
            } else if let idleTimeout {
                // An answer in progress: look again later; the idle time counts from its end.
                scheduleCheck(context, at: context.eventLoop.now + idleTimeout)
            }
        }
        check = (task, deadline)
    }
}

/// Sits above the response encoder and reports the end of each answer given by the router (and whether it
/// said `Connection: close`) to the handlers below, which only see bytes, once its last byte is written.
final class HTTPAnswerEndObserver: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart

    private let answerEnded: (_ closing: Bool) -> Void
    private var closing = false

    init(answerEnded: @escaping (_ closing: Bool) -> Void) {
        self.answerEnded = answerEnded
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if case .head(let head) = part {
            closing = head.headers[canonicalForm: "connection"].contains { $0.lowercased() == "close" }
        }
        guard case .end = part else {
            context.write(data, promise: promise)
            return
        }
        // The answer has ended once its last byte is taken: closing before would drop what is still queued.
        let closingAfter = closing
        closing = false
        let written = context.eventLoop.makePromise(of: Void.self)
        written.futureResult.assumeIsolated().whenComplete { [answerEnded] _ in answerEnded(closingAfter) }
        if let promise { written.futureResult.cascade(to: promise) }
        context.write(data, promise: written)
    }
}
