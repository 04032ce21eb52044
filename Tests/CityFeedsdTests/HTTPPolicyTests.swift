import HTTPTypes
import NIOCore
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// The small pure parts of the HTTP policy: conditional requests, content negotiation, dates.
@Suite struct HTTPPolicyTests {
    @Test(arguments: [
        (#""abc""#, true),
        (#"W/"abc""#, true),  // weak comparison
        (#" "x", W/"abc" "#, true),  // a list, with spaces
        ("\"x\",\t\"abc\"", true),  // and a tab
        ("*", true),
        (#""abcd""#, false),
        (#""ab", "c""#, false),
        ("", false),
        (#"abc"#, false),  // an unquoted tag is not the quoted one
    ])
    func ifNoneMatch(header: String, matches: Bool) {
        #expect(etagMatches(header, #""abc""#) == matches)
    }

    @Test func gzipIsAcceptedUnlessRefused() {
        #expect(acceptsGzip("gzip, deflate, br"))
        #expect(acceptsGzip("br;q=1.0, GZIP;q=0.5"))
        #expect(acceptsGzip("*"))
        #expect(!acceptsGzip("gzip;q=0"))
        #expect(!acceptsGzip("deflate, br"))
        #expect(!acceptsGzip(nil))
    }

    @Test func httpDatesAreRFC9110s() {
        // The example of RFC 9110 §5.6.7, and a leap day.
        #expect(HTTPDate.format(784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(1_709_164_800) == "Thu, 29 Feb 2024 00:00:00 GMT")
    }

    @Test func aRepresentationAnswersEachVariantWithItsOwnHeaders() {
        let document = Array(String(repeating: "{\"free\":12}", count: 200).utf8)
        let representation = Representation(document, cacheControl: "public, max-age=1")
        #expect(representation.variant(ifNoneMatch: nil, acceptEncoding: nil) == .plain)
        #expect(representation.variant(ifNoneMatch: nil, acceptEncoding: "gzip") == .gzipped)
        #expect(representation.variant(ifNoneMatch: representation.etag, acceptEncoding: "gzip") == .notModified)
        let plain = representation.fields(.plain)
        #expect(plain[.contentLength] == String(document.count))
        #expect(plain[.eTag] == representation.etag)
        #expect(plain[.accessControlAllowOrigin] == "*")
        let zipped = representation.fields(.gzipped)
        #expect(zipped[.contentEncoding] == "gzip")
        #expect(zipped[.contentLength] == String(representation.body(.gzipped)!.readableBytes))
        #expect(representation.body(.gzipped)!.readableBytes < document.count)
        let notModified = representation.fields(.notModified)
        #expect(notModified[.contentLength] == nil && notModified[.contentType] == nil)
        #expect(notModified[.eTag] == representation.etag && notModified[.cacheControl] == "public, max-age=1")
        #expect(representation.body(.notModified) == nil)
        #expect(representation.status(.notModified) == .notModified)
    }
}
