import NIOCore
import NIOHTTP1

/// Keeps HTTP/1 connections bounded in time: a connection with no request in progress is closed after
/// `idleTimeout`, and on graceful shutdown each connection is closed as soon as it has no request in progress
/// (at once if idle, else after its answer). Sees every request, whichever handler answers it.
final class HTTPConnectionLifecycle: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let idleTimeout: TimeAmount?
    private var inProgress = 0
    private var lastActive = NIODeadline.uptimeNanoseconds(0)
    private var closeWhenDone = false
    private var idleCheck: Scheduled<Void>?

    init(idleTimeout: TimeAmount?) {
        self.idleTimeout = idleTimeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { start(context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        start(context)
        context.fireChannelActive()
    }

    private func start(_ context: ChannelHandlerContext) {
        guard let idleTimeout else { return }
        lastActive = context.eventLoop.now
        scheduleIdleCheck(context, at: lastActive + idleTimeout)
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleCheck?.cancel()
        idleCheck = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head = unwrapInboundIn(data) { inProgress += 1 }
        lastActive = context.eventLoop.now
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .end = unwrapOutboundIn(data) else {
            context.write(data, promise: promise)
            return
        }
        inProgress = max(0, inProgress - 1)
        lastActive = context.eventLoop.now
        if inProgress == 0 && closeWhenDone {
            context.writeAndFlush(data, promise: promise)
            context.close(promise: nil)
        } else {
            context.write(data, promise: promise)
        }
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

    private func scheduleIdleCheck(_ context: ChannelHandlerContext, at deadline: NIODeadline) {
        guard idleTimeout != nil, idleCheck == nil else { return }
        idleCheck = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            idleCheck = nil
            guard let idleTimeout, context.channel.isActive else { return }
            let due = lastActive + idleTimeout
            let now = context.eventLoop.now
            if inProgress == 0 && due <= now {
                context.close(promise: nil)
            } else {
                // Busy or recently active: look again when it could next be idle for the whole timeout.
                scheduleIdleCheck(context, at: inProgress == 0 ? due : now + idleTimeout)
            }
        }
    }
}
