import Foundation
import Ingest
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// What every response through the router goes through: ETags and 304s, caching headers, CORS, gzip, problem
/// documents. In memory: the router and its middleware, no socket (the fast path's equivalents are in
/// `PolledReadsIntegrationTests`).
@Suite struct HTTPPolicyRouterTests {
    @Test func pollingIsCheapCompressedCorsEnabledAndErrorsAreProblems() async throws {
        try await daemonInMemory { client, _ in
            let first = try await client.raw("/v1/status")
            #expect(first.status == 200)
            let etag = try #require(first.headers["etag"])
            #expect(first.headers["cache-control"] == "public, max-age=1")
            #expect(first.headers["access-control-allow-origin"] == "*")
            #expect(first.headers["content-encoding"] == nil, "not asked for")

            // Revalidation: nothing changed, so 304 without a body.
            let again = try await client.raw("/v1/status", headers: ["If-None-Match": etag])
            #expect(again.status == 304)
            #expect(again.body.isEmpty)
            #expect(again.headers["etag"] == etag)
            let other = try await client.raw("/v1/status", headers: ["If-None-Match": "\"not-it\""])
            #expect(other.status == 200)

            // gzip when asked (for a document of a kilobyte or more), decompressing to the same document.
            let plain = try await client.raw("/v1/districts/centre")
            let zipped = try await client.raw("/v1/districts/centre", headers: ["Accept-Encoding": "gzip"])
            #expect(zipped.headers["content-encoding"] == "gzip")
            #expect(zipped.body.prefix(2) == Data([0x1f, 0x8b]))
            #expect(zipped.body.count < plain.body.count)
            let refused = try await client.raw("/v1/districts/centre", headers: ["Accept-Encoding": "gzip;q=0"])
            #expect(refused.headers["content-encoding"] == nil)
            // Responses that are not snapshots get their ETag and compression from the middleware.
            let series = try await client.raw("/v1/ingest", headers: ["Accept-Encoding": "gzip"])
            let seriesTag = try #require(series.headers["etag"])
            #expect(try await client.raw("/v1/ingest", headers: ["If-None-Match": seriesTag]).status == 304)

            // CORS preflight for reads.
            let preflight = try await client.raw("/v1/parking", method: "OPTIONS")
            #expect(preflight.status == 204)
            #expect(preflight.headers["access-control-allow-methods"] == "GET, HEAD, OPTIONS")

            // Errors, the framework's included, are RFC 9457 problem documents.
            let missing = try await client.raw("/v1/nothing-here")
            #expect(missing.status == 404)
            #expect(missing.headers["content-type"] == "application/problem+json")
            let problem = try #require(try JSONSerialization.jsonObject(with: missing.body) as? [String: Any])
            #expect(problem["status"] as? Int == 404)
            #expect((problem["detail"] as? String)?.isEmpty == false)
            let wrongMethod = try await client.raw("/v1/status", method: "DELETE")
            #expect(wrongMethod.status == 405)
            #expect(wrongMethod.headers["allow"] == "GET, HEAD, OPTIONS")
            #expect(wrongMethod.headers["content-type"] == "application/problem+json")
            let badTime = try await client.raw("/v1/series/casino/occupied?from=1066-10-14T09:00:00Z")
            #expect(badTime.status == 400)
        }
    }

    /// HEAD answers as GET without the body, `Content-Length` included; operator writes need the token.
    @Test func headIsGetWithoutItsBodyAndWritesNeedTheToken() async throws {
        let token = "router-test-token-0123"
        try await daemonInMemory(adjust: { $0.http.operatorToken = token }) { client, _ in
            let get = try await client.raw("/v1/beaches")
            let head = try await client.raw("/v1/beaches", method: "HEAD")
            #expect(head.status == 200)
            #expect(head.body.isEmpty)
            #expect(head.headers["content-length"] == String(get.body.count))
            #expect(head.headers["etag"] == get.headers["etag"])

            let body = #"{"action":"close","reason":"storm","author":"Mairie"}"#
            let anonymous = try await client.raw("/v1/beaches/miramar/override", method: "POST", body: body)
            #expect(anonymous.status == 401)
            let wrong = try await client.raw(
                "/v1/beaches/miramar/override", method: "POST",
                headers: ["Authorization": "Bearer not-the-token-at-all"],
                body: body)
            #expect(wrong.status == 401)
            let closed = try await client.raw(
                "/v1/beaches/miramar/override", method: "POST",
                headers: ["Authorization": "Bearer \(token)", "Content-Type": "application/json"], body: body)
            #expect(closed.status == 200)
            let beach = try #require(try JSONSerialization.jsonObject(with: closed.body) as? [String: Any])
            #expect((beach["override"] as? [String: Any])?["action"] as? String == "close")
        }
    }
}
