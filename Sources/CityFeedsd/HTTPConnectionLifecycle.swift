import NIOCore
import NIOHTTP1

/// Keeps each HTTP/1 connection bounded, whichever handler answers its requests. It sits right after the
/// request decoder, so it sees every request; answers are reported to it (`answerEnded`) by
/// `HTTPAnswerEndObserver` for the router's and by `PolledReadHandler` for its own, since both reach the
/// socket as bytes.
/// - in time: a connection with no request in progress is closed after `idleTimeout`, and one whose request
///   has not fully arrived `requestTimeout` after its head (a body trickled byte by byte) is closed too;
///   a request being answered is never cut (an answer may take long: the alert stream never ends);
/// - in memory: while the client does not read its answers (the channel is not writable), nothing more is
///   read from it, so a client pipelining requests without reading cannot pile up answers;
/// - at shutdown: on graceful shutdown each connection is closed as soon as it has no request in progress
///   (at once if idle, else after its answer); so is one whose answer said `Connection: close`.
final class HTTPConnectionLifecycle: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    /// Answers pass through untouched, as bytes.
    typealias OutboundIn = ByteBuffer

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

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        stop()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        stop()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
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

    func read(context: ChannelHandlerContext) {
        if context.channel.isWritable {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable && readHeldBack {
            readHeldBack = false
            context.read()
        }
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard event is ChannelShouldQuiesceEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        if inProgress == 0 {
            context.close(promise: nil)
        } else {
            closeWhenDone = true
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
/// said `Connection: close`) to the handlers below, which only see bytes.
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
        context.write(data, promise: promise)
        if case .end = part {
            answerEnded(closing)
            closing = false
        }
    }
}
