import NIOHTTP1

/// What `PolledReadHandler` does with each part of a request on one connection: answer it on the event loop (a
/// polled document, or the alert stream), or pass it on to the router. A pure state machine, tested by tables.
///
/// A request is answered here only when no other request of the connection is in progress: a request passed
/// on to the router and still unanswered keeps every later one going the same way, so that answers leave in
/// the order their requests came (HTTP/1.1 pipelining).
struct PolledReadStateMachine {
    enum State: Equatable {
        /// Between requests, or inside one passed on to the router.
        case idle
        /// Receiving a polled read to answer at its end (a body, if any, is read and dropped).
        case receivingPoll(PolledDocument, HTTPRequestHead)
        /// Receiving a request for the alert stream, to start at its end.
        case receivingStreamRequest(HTTPRequestHead)
        /// The stream is the connection's last answer: whatever the client sends now is not read.
        case streaming
    }

    enum Action: Equatable {
        /// Hand the part to the next handler (the router's side).
        case passOn
        /// Nothing to do yet (the part belongs to a request answered here).
        case wait
        /// The request has ended: answer the polled document.
        case answer(PolledDocument, HTTPRequestHead)
        /// The request has ended: start the alert stream.
        case startStream(HTTPRequestHead)
    }

    private(set) var state = State.idle

    init() {}

    /// A request's head. `requestsInProgress` counts this one: 1 means no other is waiting for its answer.
    /// `serves` says whether a polled document exists (a district the city has); one that does not is the
    /// router's to refuse.
    mutating func head(
        _ head: HTTPRequestHead, requestsInProgress: Int, serves: (PolledDocument) -> Bool = { _ in true }
    ) -> Action {
        switch state {
        case .streaming:
            return .wait
        case .receivingPoll, .receivingStreamRequest:
            // A new head before the previous request's end cannot come from the decoder; pass it on so the
            // router's side answers (or refuses) it rather than lose it.
            state = .idle
            return .passOn
        case .idle:
            guard requestsInProgress == 1 else { return .passOn }
            if head.method == .GET && PolledReadHandler.isAlertStream(head.uri) {
                state = .receivingStreamRequest(head)
                return .wait
            }
            if let document = PolledReadHandler.polledDocument(head), serves(document) {
                state = .receivingPoll(document, head)
                return .wait
            }
            return .passOn
        }
    }

    /// A part of a request's body.
    mutating func body() -> Action {
        state == .idle ? .passOn : .wait
    }

    /// A request's end.
    mutating func end() -> Action {
        switch state {
        case .idle:
            return .passOn
        case .streaming:
            return .wait
        case .receivingPoll(let document, let head):
            state = .idle
            return .answer(document, head)
        case .receivingStreamRequest(let head):
            state = .streaming
            return .startStream(head)
        }
    }
}
