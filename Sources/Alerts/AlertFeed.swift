import FeedCore
import Synchronization

/// What a stream subscriber receives.
public enum AlertStreamEvent: Sendable {
    case transition(AlertTransition)
    /// Nothing new: the subscriber's own timer asked for a sign of life (`AlertSubscription.keepAlive()`).
    case keepAlive
}

/// What a subscriber's queue holds: one entry per engine step, a reference to its transitions shared by every
/// queue it is in, so that a queue of a thousand steps costs a few kilobytes however large the alerts are,
/// and a reader wakes once per step, not once per transition.
public enum QueuedEvent: Sendable {
    /// One step's transitions, shared by reference among every subscriber's queue.
    public final class Shared: Sendable {
        let transitions: [AlertTransition]
        init(_ transitions: [AlertTransition]) { self.transitions = transitions }
    }

    case transitions(Shared)
    case keepAlive

    /// The transitions, for a subscriber that is handed them directly (`AlertCenter.subscribe(after:sink:onEnd:)`).
    public var transitions: [AlertTransition] {
        if case .transitions(let shared) = self { return shared.transitions }
        return []
    }

    var events: [AlertStreamEvent] {
        switch self {
        case .transitions(let shared): shared.transitions.map(AlertStreamEvent.transition)
        case .keepAlive: [.keepAlive]
        }
    }
}

/// Why a subscription ended.
public enum AlertStreamEnd: Sendable, Equatable {
    /// The daemon is stopping.
    case shutdown
    /// The subscriber fell `limit` steps behind (each step one or more transitions): it was not reading. Its queue is dropped so that it holds
    /// no more than that; it can resume from its last event id, paging through the journal.
    case tooSlow(limit: Int)
}

/// One subscriber's bounded queue of events. The center fills it under its lock and never waits for it: a
/// subscriber whose queue is full is ended (`tooSlow`) instead, so a client that never reads costs at most
/// `limit` queued events and cannot slow anyone else.
///
/// A subscriber can instead be handed each step as it happens (`sink`), counting it out with `written()`
/// once it has gone: the same bound applies to what it has been handed and not yet written.
public final class AlertSubscription: Sendable {
    let stream: AsyncStream<QueuedEvent>
    private let continuation: AsyncStream<QueuedEvent>.Continuation
    private let ending = Mutex<AlertStreamEnd?>(nil)
    /// Steps the subscriber may fall behind before it is ended as too slow.
    public let limit: Int
    private let sink: (@Sendable (QueuedEvent) -> Void)?
    private let onEnd: (@Sendable (AlertStreamEnd) -> Void)?
    /// Steps handed to the sink and not yet written.
    private let handedOut = Atomic<Int>(0)

    init(
        limit: Int, sink: (@Sendable (QueuedEvent) -> Void)? = nil, onEnd: (@Sendable (AlertStreamEnd) -> Void)? = nil
    ) {
        self.limit = limit
        self.sink = sink
        self.onEnd = onEnd
        (stream, continuation) = AsyncStream.makeStream(
            of: QueuedEvent.self, bufferingPolicy: .bufferingOldest(limit))
    }

    /// A step handed to the sink has been written.
    public func written() {
        handedOut.subtract(1, ordering: .relaxed)
    }

    /// Why the subscription ended; `nil` while it runs or when its reader went away.
    public var endReason: AlertStreamEnd? { ending.withLock { $0 } }

    /// Queues a keep-alive for the reader, from the caller's timer; a full queue ends the subscription.
    public func keepAlive() {
        _ = deliver(.keepAlive)
    }

    /// `false` once the subscription is over (ended here, or its reader gone).
    func deliver(_ event: QueuedEvent) -> Bool {
        if let sink {
            guard endReason == nil else { return false }
            guard handedOut.add(1, ordering: .relaxed).newValue <= limit else {
                end(.tooSlow(limit: limit))
                return false
            }
            sink(event)
            return true
        }
        switch continuation.yield(event) {
        case .enqueued: return true
        case .dropped:
            end(.tooSlow(limit: limit))
            return false
        case .terminated: return false
        @unknown default: return true
        }
    }

    /// Ends the subscription: its reader gets what is queued, then the end of the feed.
    public func end(_ reason: AlertStreamEnd) {
        let first = ending.withLock { ending -> Bool in
            guard ending == nil else { return false }
            ending = reason
            return true
        }
        continuation.finish()
        if first { onEnd?(reason) }
    }
}

/// Every transition after a sequence number, then each new one as it happens: no gap, no repeat, however
/// far behind it starts. What the journal already holds is read from it a page at a time, as the reader
/// asks for it, so a resume 30,000 transitions back costs one page of memory; once a page comes back empty
/// the feed joins the live subscribers under the center's lock, so nothing falls between the two.
public struct AlertFeed: AsyncSequence, Sendable {
    /// Each element is one transition, a keep-alive, or the stream's end.
    public typealias Element = AlertStreamEvent

    let center: AlertCenter
    /// `nil`: live only (already joined).
    let after: Int64?
    /// The live subscription the feed joins after the journal's pages.
    public let subscription: AlertSubscription
    static let pageSize = 500

    /// Pages through the journal first, then follows the live subscription.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let center: AlertCenter
        let subscription: AlertSubscription
        var catchingUpAfter: Int64?
        /// Events of the last batch not yet returned by `next()`.
        var pending: [AlertStreamEvent] = []
        var index = 0
        var live: AsyncStream<QueuedEvent>.AsyncIterator

        /// The next event, or `nil` once the stream has ended.
        public mutating func next() async throws -> AlertStreamEvent? {
            while index >= pending.count {
                guard let batch = try await nextBatch() else { return nil }
                pending = batch
                index = 0
            }
            index += 1
            return pending[index - 1]
        }

        /// The next events together: a page of what was missed, or one step's transitions (or a keep-alive),
        /// so a writer can send them at once; `nil` at the end of the feed.
        public mutating func nextBatch() async throws -> [AlertStreamEvent]? {
            if index < pending.count {
                defer { pending = [] }
                return Array(pending[index...])
            }
            while true {
                guard let after = catchingUpAfter else { return await live.next()?.events }
                try Task.checkCancellation()
                // Ended while catching up (a shutdown): no more pages.
                guard subscription.endReason == nil else { return nil }
                let page = try center.page(after: after, limit: AlertFeed.pageSize, orJoin: subscription)
                catchingUpAfter = page.last?.sequence
                if !page.isEmpty { return page.map(AlertStreamEvent.transition) }
            }
        }
    }

    /// An iterator; a feed is iterated once.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(
            center: center, subscription: subscription, catchingUpAfter: after,
            live: subscription.stream.makeAsyncIterator())
    }
}
