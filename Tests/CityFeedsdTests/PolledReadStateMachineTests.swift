import NIOHTTP1
import Testing

@testable import CityAPI

/// The fast path's decisions, request part by request part, without a socket.
@Suite struct PolledReadStateMachineTests {
    enum Part: CustomStringConvertible {
        case head(HTTPMethod, String, inProgress: Int = 1, accept: String? = nil)
        case body
        case end

        var description: String {
            switch self {
            case .head(let method, let uri, let inProgress, _): "head \(method) \(uri) (\(inProgress) in progress)"
            case .body: "body"
            case .end: "end"
            }
        }
    }

    enum Expected: Equatable {
        case passOn, wait
        case answer(PolledDocument)
        case startStream
    }

    static func head(_ method: HTTPMethod, _ uri: String, accept: String?) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: uri)
        if let accept { head.headers.add(name: "Accept", value: accept) }
        return head
    }

    static let cases: [(name: String, parts: [Part], expected: [Expected])] = [
        ("a poll of the status", [.head(.GET, "/v1/status"), .end], [.wait, .answer(.status)]),
        ("HEAD of a polled document", [.head(.HEAD, "/v1/beaches"), .end], [.wait, .answer(.beaches)]),
        (
            "a body sent with a poll is dropped", [.head(.GET, "/v1/parking"), .body, .body, .end],
            [.wait, .wait, .wait, .answer(.parking)]
        ),
        (
            "GeoJSON by Accept", [.head(.GET, "/v1/parking", accept: "application/geo+json"), .end],
            [.wait, .answer(.parkingGeoJSON)]
        ),
        ("a filtered list is the router's", [.head(.GET, "/v1/parking?lat=43.4&lon=-1.5"), .end], [.passOn, .passOn]),
        ("a write is the router's", [.head(.POST, "/v1/status"), .body, .end], [.passOn, .passOn, .passOn]),
        ("another path is the router's", [.head(.GET, "/v1/alerts"), .end], [.passOn, .passOn]),
        (
            "behind an unanswered request, a poll waits its turn at the router",
            [.head(.GET, "/v1/status", inProgress: 2), .end], [.passOn, .passOn]
        ),
        (
            "polls one after the other", [.head(.GET, "/v1/status"), .end, .head(.GET, "/v1/beaches"), .end],
            [.wait, .answer(.status), .wait, .answer(.beaches)]
        ),
        (
            "the router's request, then a poll", [.head(.GET, "/v1/ingest"), .end, .head(.GET, "/v1/status"), .end],
            [.passOn, .passOn, .wait, .answer(.status)]
        ),
        ("the alert stream", [.head(.GET, "/v1/alerts/stream?after=4"), .end], [.wait, .startStream]),
        (
            "nothing is read once the stream runs",
            [.head(.GET, "/v1/alerts/stream"), .end, .head(.GET, "/v1/status"), .body, .end],
            [.wait, .startStream, .wait, .wait, .wait]
        ),
        ("HEAD of the stream is the router's", [.head(.HEAD, "/v1/alerts/stream"), .end], [.passOn, .passOn]),
        (
            "the stream behind a pipelined request is the router's",
            [.head(.GET, "/v1/alerts/stream", inProgress: 2), .end], [.passOn, .passOn]
        ),
        ("a look-alike path is the router's", [.head(.GET, "/v1/alerts/streams"), .end], [.passOn, .passOn]),
    ]

    @Test(arguments: cases.indices)
    func decidesEachPart(_ index: Int) {
        let (name, parts, expected) = Self.cases[index]
        var machine = PolledReadStateMachine()
        var actions: [Expected] = []
        for part in parts {
            let action: PolledReadStateMachine.Action
            switch part {
            case .head(let method, let uri, let inProgress, let accept):
                action = machine.head(Self.head(method, uri, accept: accept), requestsInProgress: inProgress)
            case .body: action = machine.body()
            case .end: action = machine.end()
            }
            switch action {
            case .passOn: actions.append(.passOn)
            case .wait: actions.append(.wait)
            case .answer(let document, _): actions.append(.answer(document))
            case .startStream: actions.append(.startStream)
            }
        }
        #expect(actions == expected, "\(name): \(parts)")
    }
}
