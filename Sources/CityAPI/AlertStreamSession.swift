import Alerts
import CityCore
import FeedCore
import NIOCore
import NIOHTTP1

/// `GET /v1/alerts/stream` answered on the connection's event loop, as `PolledReadHandler` answers polls.
///
/// Thousands of apps may hold the stream open. Through the router each would be a task woken for every alert
/// step, writing through the asynchronous body writer: about 50 µs per client per step, which made a reader
/// wait for the crowd (docs/benchmarks.md). Here the alert center hands each step to the session (under its
/// lock, without waiting), the session hops onto its event loop and writes the step's shared bytes. The
/// semantics are the router's: a resume (`Last-Event-ID` or `?after=`) pages through the journal (a page
/// written only while the client takes what it is sent), the live steps follow with no gap, a keep-alive goes
/// out every `heartbeat`, and a client more than `http.stream_queue` steps behind, or a shutdown, gets a last
/// `end` event and the end of the answer. Every method runs on the channel's event loop.
final class AlertStreamSession {
    private let context: ChannelHandlerContext
    private let alerts: AlertCenter
    private let events: HTTPAPI.EncodedEvents
    private let steps: HTTPAPI.EncodedSteps
    private let lifecycle: HTTPConnectionLifecycle
    private let chunked: Bool
    private let closing: Bool
    private var subscription: AlertSubscription?
    /// While catching up: the last sequence sent from the journal.
    private var catchingUpAfter: Int64?
    private var lastSent: Int64?
    private var keepAlive: RepeatedTask?
    private var ended = false
    /// Steps handed over by the center and not yet written (the client was not taking them).
    private var waiting: [QueuedEvent] = []
    private static let chunkEnd = ByteBuffer(string: "\r\n")

    init(
        context: ChannelHandlerContext, alerts: AlertCenter, events: HTTPAPI.EncodedEvents,
        steps: HTTPAPI.EncodedSteps, lifecycle: HTTPConnectionLifecycle, http10: Bool, closing: Bool
    ) {
        self.context = context
        self.alerts = alerts
        self.events = events
        self.steps = steps
        self.lifecycle = lifecycle
        chunked = !http10
        self.closing = closing || http10
    }

    /// Writes the head and starts the stream after `resume` (live only when `nil`).
    func start(after resume: Int64?, head: ByteBuffer, heartbeat: TimeAmount) {
        context.write(NIOAny(IOData.byteBuffer(head)), promise: nil)
        write(ByteBuffer(string: "retry: 2000\n\n"))
        context.flush()
        let loop = context.eventLoop
        let bound = NIOLoopBound(self, eventLoop: loop)
        subscription = alerts.subscribe(
            after: resume,
            sink: { step in loop.execute { bound.value.send(step) } },
            onEnd: { reason in loop.execute { bound.value.finish(reason) } })
        lastSent = resume
        catchingUpAfter = resume
        keepAlive = loop.scheduleRepeatedTask(initialDelay: heartbeat, delay: heartbeat) { _ in
            bound.value.sendKeepAlive()
        }
        pump()
    }

    /// Sends pages of what the client missed while it takes them; the last, empty page makes it live.
    func pump() {
        drain()
        while !ended, let after = catchingUpAfter, let subscription, context.channel.isWritable {
            do {
                let page = try alerts.catchUp(subscription, after: after, limit: 500)
                guard let last = page.last else {
                    catchingUpAfter = nil
                    break
                }
                var bytes = ByteBuffer()
                for transition in page {
                    var encoded = events.event(transition)
                    bytes.writeBuffer(&encoded)
                }
                write(bytes)
                context.flush()
                catchingUpAfter = last.sequence
                lastSent = last.sequence
            } catch {
                subscription.end(.shutdown)
            }
        }
    }

    /// A step from the center: written at once if the client takes what it is sent, else kept until it does
    /// (the center counts it until `written()`, and ends a client that lets `http.stream_queue` pile up).
    private func send(_ step: QueuedEvent) {
        guard !ended else {
            subscription?.written()
            return
        }
        waiting.append(step)
        drain()
    }

    /// Writes the steps kept while the client was not taking them, as long as it takes them.
    func drain() {
        var wrote = false
        while !ended, !waiting.isEmpty, context.channel.isWritable {
            let step = waiting.removeFirst()
            defer { subscription?.written() }
            let transitions = step.transitions
            guard let last = transitions.last else { continue }
            if chunked {
                // The step framed once for every client: one write, no copy.
                context.write(NIOAny(IOData.byteBuffer(steps.chunk(transitions))), promise: nil)
            } else {
                var bytes = ByteBuffer()
                for transition in transitions {
                    var encoded = events.event(transition)
                    bytes.writeBuffer(&encoded)
                }
                write(bytes)
            }
            lastSent = last.sequence
            wrote = true
        }
        if wrote { context.flush() }
    }

    private func sendKeepAlive() {
        // A client not taking what it is sent needs no sign of life; its bytes are waiting for it anyway.
        guard !ended, context.channel.isActive, context.channel.isWritable, waiting.isEmpty else { return }
        write(ByteBuffer(string: ": keep-alive\n\n"))
        context.flush()
    }

    /// The daemon ended the stream: the reason, then the end of the answer.
    func finish(_ reason: AlertStreamEnd) {
        guard !ended else { return }
        // What was handed over is written first (a shutdown), or dropped (too slow: it resumes from the journal).
        if reason == .shutdown { drain() }
        ended = true
        for _ in waiting { subscription?.written() }
        waiting.removeAll()
        keepAlive?.cancel()
        write(ByteBuffer(string: HTTPAPI.endEvent(reason, lastSent: lastSent)))
        let done = context.eventLoop.makePromise(of: Void.self)
        let lifecycle = lifecycle
        let closing = closing
        done.futureResult.assumeIsolated().whenComplete { _ in lifecycle.answerEnded(closing: closing) }
        context.writeAndFlush(NIOAny(IOData.byteBuffer(ByteBuffer(string: chunked ? "0\r\n\r\n" : ""))), promise: done)
    }

    /// The server is shutting down: the last event, then the end of the answer.
    func shutDown() {
        if let subscription { subscription.end(.shutdown) } else { finish(.shutdown) }
    }

    /// The connection went away: stop, and let the center drop the subscription.
    func connectionClosed() {
        guard !ended else { return }
        ended = true
        keepAlive?.cancel()
        subscription?.end(.shutdown)
    }

    private func write(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        guard chunked else {
            context.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
            return
        }
        // The chunk's size and end around the shared bytes, which are not copied.
        context.write(
            NIOAny(IOData.byteBuffer(ByteBuffer(string: String(bytes.readableBytes, radix: 16) + "\r\n"))), promise: nil
        )
        context.write(NIOAny(IOData.byteBuffer(bytes)), promise: nil)
        context.write(NIOAny(IOData.byteBuffer(Self.chunkEnd)), promise: nil)
    }
}
