import Foundation
import Ingest
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// The polled documents are answered on the event loop ahead of the router (`PolledReadHandler`): the same
/// answers as the router's, in request order when requests are pipelined, with HTTP/1 connection handling
/// intact, and counted in `/metrics`.
@Suite(.serialized) struct PolledReadsIntegrationTests {
    typealias Connection = RawHTTPConnection

    /// A request pipelined behind one for the router is answered by the router too (answers keep the
    /// requests' order); alone, it is answered ahead of the router. Both must give the same answer.
    @Test func answersAheadOfTheRouterAreTheRoutersAnswers() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(brokerURL: broker.address.description) { client in
            let status = try await client.raw("/v1/status")
            let cases: [(method: String, target: String, headers: [String])] = [
                ("GET", "/v1/status", []),
                ("GET", "/v1/status", ["Accept-Encoding: gzip, deflate, br"]),
                ("GET", "/v1/status", ["If-None-Match: \(try #require(status.headers["etag"]))"]),
                ("HEAD", "/v1/status", []),
                ("GET", "/v1/beaches", []),
                ("GET", "/v1/parking", []),
                ("GET", "/v1/parking?", []),
                ("GET", "/v1/parking", ["Accept: application/geo+json"]),
                ("GET", "/v1/parking.geojson", ["Accept-Encoding: gzip"]),
            ]
            for (method, target, headers) in cases {
                let request = Connection.request(method, target, headers: headers)
                // The documents change with every second (their ages): retry until both answers come from the
                // same rendering.
                var attempts = 0
                while true {
                    attempts += 1
                    let ahead = try Connection(port: client.port)
                    try ahead.send(request)
                    let fast = try ahead.response(bodyless: method == "HEAD")

                    let behind = try Connection(port: client.port)
                    try behind.send(Connection.request("GET", "/v1/ingest") + request)
                    let first = try behind.response()
                    #expect(first.status == 200 && first.headers["etag"] != nil)
                    let routed = try behind.response(bodyless: method == "HEAD")

                    if fast.headers["etag"] != routed.headers["etag"] || fast.status != routed.status, attempts < 10 {
                        continue
                    }
                    var fastHeaders = fast.headers
                    var routedHeaders = routed.headers
                    #expect(fastHeaders.removeValue(forKey: "date") != nil)
                    #expect(routedHeaders.removeValue(forKey: "date") != nil)
                    #expect(fastHeaders == routedHeaders, "\(method) \(target) \(headers)")
                    #expect(fast.status == routed.status, "\(method) \(target) \(headers)")
                    #expect(fast.body == routed.body, "\(method) \(target) \(headers)")
                    #expect(fast.statusLine.hasPrefix("HTTP/1.1 "))
                    break
                }
            }
            // A list of tags, the current one among them (weakly compared), revalidates.
            let connection = try Connection(port: client.port)
            var revalidated = false
            for _ in 0..<10 where !revalidated {
                try connection.send(Connection.request("GET", "/v1/status"))
                let tag = try #require(try connection.response().headers["etag"])
                try connection.send(
                    Connection.request("GET", "/v1/status", headers: ["If-None-Match: \"other\", W/\(tag)"]))
                revalidated = try connection.response().status == 304
            }
            #expect(revalidated)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInTheirOrder() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(brokerURL: broker.address.description) { client in
            let connection = try Connection(port: client.port)
            let targets = [
                "/v1/ingest", "/v1/status", "/healthz", "/v1/beaches", "/v1/parking?lat=43.48&lon=-1.56", "/v1/parking",
                "/openapi.json",
            ]
            try connection.send(targets.map { Connection.request("GET", $0) }.joined())
            var kinds: [String] = []
            for _ in targets {
                let response = try connection.response()
                #expect(response.status == 200)
                let json = try #require(try JSONSerialization.jsonObject(with: response.body) as? [String: Any])
                let first = (json["items"] as? [[String: Any]])?.first ?? [:]
                kinds.append(
                    json["openapi"] != nil
                        ? "openapi"
                        : json["city"] != nil
                            ? "status"
                            : json["ready"] != nil
                                ? "health"
                                : json["messages_accepted"] != nil
                                    ? "ingest"
                                    : first["capacity"] != nil
                                        ? "parking"
                                        : first["water_type"] != nil ? "beaches" : "?")
            }
            #expect(kinds == ["ingest", "status", "health", "beaches", "parking", "parking", "openapi"])
            // Once the router's answers are out, the next poll on the connection is answered too.
            try connection.send(Connection.request("GET", "/v1/status"))
            #expect(try connection.response().status == 200)
        }
    }

    @Test func connectionsAreHandledAsHTTP1Wants() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(brokerURL: broker.address.description) { client in
            // HEAD: the GET's headers, Content-Length included, and no body; the connection stays usable.
            let connection = try Connection(port: client.port)
            try connection.send(Connection.request("HEAD", "/v1/districts/centre"))
            let head = try connection.response(bodyless: true)
            #expect(head.status == 200)
            #expect(Int(head.headers["content-length"] ?? "") ?? 0 > 1_000)
            try connection.send(Connection.request("GET", "/v1/beaches"))
            let beaches = try connection.response()
            #expect(beaches.status == 200)
            #expect(beaches.body.count == Int(beaches.headers["content-length"] ?? ""))
            #expect((try? JSONSerialization.jsonObject(with: beaches.body)) != nil, "framing intact after HEAD")
            // The same through the router (a document that is not polled), and for an error.
            for target in ["/v1/ingest", "/v1/nothing-here"] {
                try connection.send(Connection.request("HEAD", target))
                let routed = try connection.response(bodyless: true)
                #expect(routed.status == (target == "/v1/ingest" ? 200 : 404))
                #expect(Int(routed.headers["content-length"] ?? "") ?? 0 > 0)
            }
            try connection.send(Connection.request("GET", "/healthz"))
            let health = try connection.response()
            #expect((try? JSONSerialization.jsonObject(with: health.body)) != nil, "framing intact after HEAD")
            // A HEAD of the endless event stream: its head, then the connection ends (it has no length to give).
            let streamHead = try Connection(port: client.port)
            try streamHead.send(Connection.request("HEAD", "/v1/alerts/stream"))
            let stream = try streamHead.response(bodyless: true)
            #expect(stream.status == 200 && stream.headers["connection"] == "close")
            #expect(try streamHead.closesSoon())

            // `Connection: close`: answered, then closed.
            try connection.send(Connection.request("GET", "/v1/status", headers: ["Connection: close"]))
            let last = try connection.response()
            #expect(last.status == 200)
            #expect(last.headers["connection"] == "close")
            #expect(try connection.isClosedByServer())

            // HTTP/1.0 closes after the answer unless asked to keep the connection.
            let old = try Connection(port: client.port)
            try old.send(Connection.request("GET", "/v1/status", version: "HTTP/1.0"))
            let answer = try old.response()
            #expect(answer.status == 200)
            #expect(answer.statusLine.hasPrefix("HTTP/1.0 "))
            #expect(try old.isClosedByServer())
            let kept = try Connection(port: client.port)
            try kept.send(
                Connection.request("GET", "/v1/status", version: "HTTP/1.0", headers: ["Connection: keep-alive"]))
            #expect(try kept.response().status == 200)
            try kept.send(
                Connection.request("GET", "/v1/parking", version: "HTTP/1.0", headers: ["Connection: keep-alive"]))
            #expect(try kept.response().status == 200)
        }
    }

    @Test func connectionsBeyondTheLimitAreRefusedWithA503() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(
            brokerURL: broker.address.description,
            adjust: {
                $0.http.maxConnections = 2
                $0.http.maxConnectionsPerAddress = 2
            }
        ) { client in
            var open: [Connection] = []
            for _ in 0..<2 {
                let connection = try Connection(port: client.port)
                try connection.send(Connection.request("GET", "/v1/status"))
                #expect(try connection.response().status == 200)
                open.append(connection)
            }
            let refused = try Connection(port: client.port)
            let answer = try refused.response()
            #expect(answer.status == 503)
            #expect(answer.headers["retry-after"] == "5")
            #expect(try refused.isClosedByServer())
            // The admitted ones are untouched.
            try open[1].send(Connection.request("GET", "/v1/beaches"))
            #expect(try open[1].response().status == 200)

            // A connection closed makes room (its close reaches the server a moment later).
            open.removeAll()
            var admitted = false
            for _ in 0..<100 where !admitted {
                try await Task.sleep(for: .milliseconds(20))
                let again = try Connection(port: client.port)
                try again.send(Connection.request("GET", "/metrics", headers: ["Connection: close"]))
                let metrics = try again.response()
                if metrics.status == 200 {
                    admitted = true
                    let text = String(decoding: metrics.body, as: UTF8.self)
                    #expect(text.contains("cityfeeds_http_connections_refused_total{limit=\"total\"} "))
                    #expect(!text.contains("cityfeeds_http_connections_refused_total{limit=\"total\"} 0\n"))
                    #expect(text.contains("cityfeeds_http_connections 1\n"))
                }
            }
            #expect(admitted)
        }
    }

    /// One client holding connections takes only its share: another address still gets in.
    @Test func oneAddressCannotTakeEveryConnection() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(
            brokerURL: broker.address.description,
            adjust: {
                $0.http.maxConnections = 6
                $0.http.maxConnectionsPerAddress = 3
            }
        ) { client in
            var hoarded: [Connection] = []
            for _ in 0..<3 {
                let connection = try Connection(port: client.port, source: "127.0.0.3")
                try connection.send(Connection.request("GET", "/v1/status"))
                #expect(try connection.response().status == 200)
                hoarded.append(connection)
            }
            let fourth = try Connection(port: client.port, source: "127.0.0.3")
            #expect(try fourth.response().status == 503)
            #expect(try fourth.isClosedByServer())
            let other = try Connection(port: client.port, source: "127.0.0.4")
            try other.send(Connection.request("GET", "/metrics"))
            let metrics = try other.response()
            #expect(metrics.status == 200)
            #expect(
                String(decoding: metrics.body, as: UTF8.self).contains(
                    "cityfeeds_http_connections_refused_total{limit=\"per_address\"} 1\n"))
            // Its connections closed, the address gets its share back.
            hoarded.removeAll()
            var admitted = false
            for _ in 0..<100 where !admitted {
                try await Task.sleep(for: .milliseconds(20))
                let again = try Connection(port: client.port, source: "127.0.0.3")
                try again.send(Connection.request("GET", "/v1/status", headers: ["Connection: close"]))
                admitted = try again.response().status == 200
            }
            #expect(admitted)
        }
    }

    @Test func pollsAreCountedInMetrics() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(brokerURL: broker.address.description) { client in
            func counts() async throws -> (ok: Int, notModified: Int, requests: Int) {
                let text = String(decoding: try await client.raw("/metrics").body, as: UTF8.self)
                func value(_ name: String) -> Int {
                    text.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap {
                        Int($0.split(separator: " ")[1])
                    } ?? -1
                }
                return (
                    value(#"cityfeeds_http_responses_total{class="2xx"}"#),
                    value(#"cityfeeds_http_responses_total{class="3xx"}"#),
                    value("cityfeeds_http_request_duration_seconds_count")
                )
            }
            let before = try await counts()
            let connection = try Connection(port: client.port)
            var etag = ""
            for _ in 0..<3 {
                try connection.send(Connection.request("GET", "/v1/beaches"))
                etag = try #require(try connection.response().headers["etag"])
            }
            var revalidations = 0
            for _ in 0..<2 {
                try connection.send(Connection.request("GET", "/v1/beaches", headers: ["If-None-Match: \(etag)"]))
                let response = try connection.response()
                if response.status == 304 { revalidations += 1 }
                if let tag = response.headers["etag"] { etag = tag }
            }
            let after = try await counts()
            // The first scrape is counted too (once answered); 304s are 3xx, the rest (200s) 2xx.
            #expect(after.ok - before.ok == 1 + 3 + (2 - revalidations))
            #expect(after.notModified - before.notModified == revalidations)
            #expect(after.requests - before.requests == 1 + 3 + 2)
        }
    }
}
