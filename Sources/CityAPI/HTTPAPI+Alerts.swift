import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import RequestParsing
import ServiceLifecycle
import Synchronization

/// `/v1/alerts…`: the alert journal, its live stream, and the operator's actions on alerts and beaches.
package extension HTTPAPI {
    func addAlertRoutes(to router: Router<BasicRequestContext>) {
        router.on(operation: "listAlerts") { request, _ in
            let filter: AlertFilter
            do throws(BadParameter) {
                filter = try RequestParsing.alertFilter(
                    Query(request))
            } catch {
                return problem(.badRequest, error.message)
            }
            let at: Timestamp?
            do throws(BadParameter) {
                at = try asOf(request)
            } catch {
                return problem(.badRequest, error.message)
            }
            guard let at else {
                let items = try status.alerts.alerts(filter).map(Contract.Alert.init)
                return json(Contract.AlertList(generatedAt: now().iso8601, items: items))
            }
            // As of a moment: the alerts open then, as they stood then, newest first.
            let items = try status.alerts.alerts(openAt: at).reversed()
                .filter { filter.beach == nil || $0.beaches.contains(filter.beach!) }
                .filter { filter.rule == nil || $0.fingerprint.rule == filter.rule }
                .prefix(filter.limit).map(Contract.Alert.init)
            return json(Contract.AlertList(generatedAt: now().iso8601, items: Array(items)))
        }
        router.on(operation: "streamAlerts") { request, _ in
            try alertStream(request)
        }
        router.on(operation: "getAlert") { _, context in
            let text = try context.parameters.require("id")
            guard let id = Int64(text), let found = try status.alerts.alert(id: id) else {
                return problem(.notFound, "No alert has the id '\(text)'.")
            }
            return json(
                Contract.AlertDetail(
                    alert: Contract.Alert(found.alert), transitions: found.transitions.map(Contract.Transition.init)))
        }
        router.on(operation: "acknowledgeAlert") { request, context in
            try await alertAction(request, context) { id, body, time in
                try desk.acknowledge(alert: id, note: OperatorNote(by: body.by, at: time, reason: body.reason))
            }
        }
        router.on(operation: "silenceAlert") { request, context in
            try await alertAction(request, context) { id, body, time throws in
                guard let minutes = body.minutes, minutes > 0, minutes <= 7 * 24 * 60 else {
                    throw BadParameter(message: "Expected \"minutes\": how long to silence, from 1 to 10080.")
                }
                return try desk.silence(
                    alert: id, until: time.adding(seconds: minutes * 60),
                    note: OperatorNote(by: body.by, at: time, reason: body.reason))
            }
        }
        router.on(operation: "markAlertNotGenuine") { request, context in
            try await alertAction(request, context) { id, body, time throws in
                guard let reason = body.reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                    throw BadParameter(message: "Marking an alert not genuine needs a \"reason\".")
                }
                return try desk.markNotGenuine(
                    alert: id, note: OperatorNote(by: body.by, at: time, reason: reason))
            }
        }
        router.on(operation: "setBeachOverride") { request, context in
            if let refusal = authorise(request) { return refusal }
            let id = try context.parameters.require("id")
            guard let beach = status.configuration.beaches.first(where: { $0.id == id }) else {
                return problem(.notFound, "No beach has the id '\(id)'.")
            }
            let buffer = try await request.body.collect(upTo: 8_192)
            let expected =
                "Expected {\"action\": \"close\" or \"open\", \"reason\": \"…\", \"author\": \"…\"} and optionally \"until\" (RFC 3339)."
            let body: OverrideBody
            do throws(BadParameter) {
                body = try RequestParsing.decodeStrictly(
                    OverrideBody.self, Array(buffer.readableBytesView), keys: OverrideBody.keys)
            } catch {
                return problem(.badRequest, "\(error.message) \(expected)")
            }
            guard let action = BeachOverride.Action(rawValue: body.action), !body.reason.isEmpty, !body.author.isEmpty
            else {
                return problem(.badRequest, expected)
            }
            let time = now()
            var until: Timestamp?
            if let text = body.until {
                // An order that has already lapsed is recorded as such (an operator entering it afterwards).
                guard let parsed = Timestamp(rfc3339: text) else {
                    return problem(.badRequest, "\"until\" must be an RFC 3339 time.")
                }
                until = parsed
            }
            try desk.setBeachOrder(
                BeachOverride(action: action, reason: body.reason, author: body.author, at: time, until: until),
                beach: id, at: time)
            return json(Contract.Beach(status.beach(beach, now: time)))
        }
        router.on(operation: "liftBeachOverride") { request, context in
            if let refusal = authorise(request) { return refusal }
            let id = try context.parameters.require("id")
            guard let beach = status.configuration.beaches.first(where: { $0.id == id }) else {
                return problem(.notFound, "No beach has the id '\(id)'.")
            }
            let time = now()
            try desk.setBeachOrder(nil, beach: id, at: time)
            return json(Contract.Beach(status.beach(beach, now: time)))
        }
    }

    struct ActionBody: Decodable {
        var by: String
        var reason: String?
        var minutes: Double?
        static let keys: Set<String> = ["by", "reason", "minutes"]
    }

    struct OverrideBody: Decodable {
        var action: String
        var reason: String
        var author: String
        var until: String?
        static let keys: Set<String> = ["action", "reason", "author", "until"]
    }

    /// Authorises, parses `{"by": …}`, runs `body` and answers with the alert as it now stands.
    func alertAction(
        _ request: Request, _ context: BasicRequestContext,
        _ body: @escaping (Int64, ActionBody, Timestamp) throws -> Alert
    ) async throws -> Response {
        if let refusal = authorise(request) { return refusal }
        let text = try context.parameters.require("id")
        guard let id = Int64(text) else { return problem(.notFound, "No alert has the id '\(text)'.") }
        let buffer = try await request.body.collect(upTo: 8_192)
        let expected = "Expected a JSON object with \"by\" (who acts) and optionally \"reason\"."
        let parsed: ActionBody
        do throws(BadParameter) {
            parsed = try RequestParsing.decodeStrictly(
                ActionBody.self, Array(buffer.readableBytesView), keys: ActionBody.keys)
        } catch {
            return problem(.badRequest, "\(error.message) \(expected)")
        }
        guard !parsed.by.trimmingCharacters(in: .whitespaces).isEmpty else { return problem(.badRequest, expected) }
        do {
            return json(Contract.Alert(try body(id, parsed, now())))
        } catch let error as BadParameter {
            return problem(.badRequest, error.message)
        } catch AlertActionError.noSuchAlert {
            return problem(.notFound, "No alert has the id '\(id)'.")
        } catch AlertActionError.resolved {
            return problem(.conflict, "Alert \(id) has resolved: there is nothing to acknowledge or silence.")
        }
    }

    /// `GET /v1/alerts/stream`: Server-Sent Events, one event per transition (`id` is the journal's sequence).
    /// A client that reconnects with `Last-Event-ID` (or `?after=`) first gets what it missed, paged from the
    /// journal. Each client has a bounded queue: one that falls too far behind gets a last `end` event saying
    /// why, and the connection closes; it resumes from its last id without a gap.
    func alertStream(_ request: Request) throws -> Response {
        let resume =
            request.headers[.lastEventID].flatMap { Int64($0) }
            ?? request.uri.queryParameters.get("after").flatMap { Int64($0) }
        let feed = status.alerts.subscribe(after: resume)
        let heartbeat = heartbeatInterval
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache",
                HTTPField.Name("X-Accel-Buffering")!: "no",
            ],
            body: ResponseBody { writer in
                let subscription = feed.subscription
                // Keep-alives go through the feed's own bounded queue, so this response has one writer and
                // one queue: nothing grows while the client does not read.
                let keepAlive = Task {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: heartbeat)
                        subscription.keepAlive()
                    }
                }
                defer { keepAlive.cancel() }
                try await writer.write(ByteBuffer(string: "retry: 2000\n\n"))
                var lastSent = resume
                // The server's graceful shutdown ends the stream (clients reconnect with Last-Event-ID), instead
                // of waiting for it.
                try await withGracefulShutdownHandler {
                    // One write per batch (a step's transitions, a page of missed ones): with thousands of
                    // clients, each wakes and writes once per step.
                    var events = feed.makeAsyncIterator()
                    while let batch = try await events.nextBatch() {
                        if batch.count == 1, case .transition(let transition) = batch[0] {
                            // The shared bytes as they are: no copy per client.
                            try await writer.write(encodedEvents.event(transition))
                            lastSent = transition.sequence
                            continue
                        }
                        var bytes = ByteBuffer()
                        for event in batch {
                            switch event {
                            case .transition(let transition):
                                var encoded = encodedEvents.event(transition)
                                bytes.writeBuffer(&encoded)
                                lastSent = transition.sequence
                            case .keepAlive:
                                bytes.writeString(": keep-alive\n\n")
                            }
                        }
                        try await writer.write(bytes)
                    }
                } onGracefulShutdown: {
                    subscription.end(.shutdown)
                }
                if let reason = subscription.endReason {
                    try await writer.write(ByteBuffer(string: Self.endEvent(reason, lastSent: lastSent)))
                }
                try await writer.finish(nil)
            })
    }

    /// The last event of a stream the daemon ends, with the reason and where to resume.
    static func endEvent(_ reason: AlertStreamEnd, lastSent: Int64?) -> String {
        let (code, message): (String, String)
        switch reason {
        case .shutdown:
            (code, message) = ("shutdown", "The daemon is stopping.")
        case .tooSlow(let limit):
            (code, message) = ("too_slow", "This client fell \(limit) alert steps behind and was disconnected.")
        }
        let resume =
            lastSent.map { "Reconnect with Last-Event-ID: \($0) to resume without a gap." } ?? "Reconnect to resume."
        return "event: end\ndata: {\"reason\":\"\(code)\",\"message\":\"\(message) \(resume)\"}\n\n"
    }

    /// The newest buffers made for stream clients, by sequence number, so that each is made once for all of
    /// them (thousands of clients receive each transition; encoding its JSON per client cost more than
    /// everything else). Holds at most `capacity`, forgetting the older half when full.
    final class RecentBuffers: Sendable {
        private let recent = Mutex<(order: [Int64], buffers: [Int64: ByteBuffer])>(([], [:]))
        private let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
        }

        func buffer(for key: Int64, make: () -> ByteBuffer) -> ByteBuffer {
            if let cached = recent.withLock({ $0.buffers[key] }) { return cached }
            let buffer = make()
            recent.withLock { recent in
                guard recent.buffers.updateValue(buffer, forKey: key) == nil else { return }
                recent.order.append(key)
                if recent.order.count > capacity {
                    let dropped = recent.order.prefix(capacity / 2)
                    for old in dropped { recent.buffers[old] = nil }
                    recent.order.removeFirst(dropped.count)
                }
            }
            return buffer
        }
    }

    /// One transition's SSE event, for the router's stream.
    final class EncodedEvents: Sendable {
        private let recent = RecentBuffers(capacity: 4_096)

        func event(_ transition: AlertTransition) -> ByteBuffer {
            recent.buffer(for: transition.sequence) { ByteBuffer(string: HTTPAPI.serverSentEvent(transition)) }
        }
    }

    /// A step's events as one HTTP/1.1 chunk (size line, events, CRLF), the same bytes for every chunked
    /// stream client: framed once, written once per client without a copy.
    final class EncodedSteps: Sendable {
        private let recent = RecentBuffers(capacity: 1_024)

        func chunk(_ transitions: [AlertTransition]) -> ByteBuffer {
            guard let first = transitions.first else { return ByteBuffer() }
            return recent.buffer(for: first.sequence) {
                let body = transitions.map(HTTPAPI.serverSentEvent).joined()
                var chunk = ByteBuffer()
                chunk.reserveCapacity(body.utf8.count + 16)
                chunk.writeString(String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n")
                return chunk
            }
        }
    }

    static func serverSentEvent(_ transition: AlertTransition) -> String {
        "id: \(transition.sequence)\nevent: \(transition.late == true ? "history" : transition.kind.rawValue)\ndata: \(TransitionRecord(transition).jsonLine)\n\n"
    }
}

extension HTTPField.Name {
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
