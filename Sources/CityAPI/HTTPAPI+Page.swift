import Alerts
import Beaches
import CityCore
import CityPage
import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Parking
import RequestParsing
import TimeSeries

/// The public page (`/`, `/beaches/{id}`, `/parking/{id}`) and its assets. The page is answered like a polled
/// document: an ETag, a 304 to a client that holds it, gzip when asked; the default home page, the one
/// most visitors open, comes from the snapshot cache, once per language, data change and second.
extension HTTPAPI {
    /// The page renderer with the built-in templates and wording.
    static let publicPage: PublicPage = {
        do {
            return try PublicPage()
        } catch {
            // The templates are compiled into the binary and parsed by the tests: this is a broken build.
            preconditionFailure("the built-in page templates do not parse: \(error)")
        }
    }()

    /// The assets, each one representation with a year's cache lifetime (their URLs carry their version).
    static let pageAssets: [String: Representation] = PublicPage.assets.mapValues {
        Representation($0.bytes, contentType: $0.contentType, cacheControl: "public, max-age=31536000, immutable")
    }

    func addPageRoutes(to router: Router<BasicRequestContext>) {
        router.on(operation: "getHomePage") { request, _ in
            let language = Self.language(of: request)
            // A name given twice keeps its first value; only the page's names are read.
            let parameters = Query(request)
            let query = PageQuery(
                parameters: Dictionary(
                    uniqueKeysWithValues: ["district", "near", "lat", "lon", "free", "height"].compactMap { name in
                        parameters.get(name).map { (name, $0) }
                    }))
            if query.isEmpty {
                let version = SnapshotVersion(
                    readings: store.version, alerts: alerts.revision, configuration: statusSource.generation,
                    second: now().milliseconds / 1_000)
                let page = snapshots.value("page/\(language.rawValue)", version: version) { [self] in
                    Self.html(Self.publicPage.home(status, query: query, language: language, now: now()))
                }
                return Self.pageResponse(page, request)
            }
            return Self.pageResponse(
                Self.html(Self.publicPage.home(status, query: query, language: language, now: now())), request)
        }
        router.on(operation: "getBeachPage") { request, context in
            try itemPage(request, context, status.configuration.beaches, kind: "beach") { beach, time in
                Self.publicPage.beach(
                    status.beach(beach, now: time), status: status, language: Self.language(of: request), now: time)
            }
        }
        router.on(operation: "getCarParkPage") { request, context in
            try itemPage(request, context, status.configuration.carParks, kind: "car park") { carPark, time in
                Self.publicPage.carPark(
                    status.carPark(carPark, now: time), status: status, language: Self.language(of: request), now: time)
            }
        }
        router.on(operation: "getPageAsset") { request, context in
            let name = try context.parameters.require("name")
            guard let asset = Self.pageAssets[name] else { return problem(.notFound, "No asset is named '\(name)'.") }
            return asset.response(for: request)
        }
    }

    /// The page of the item whose id the path names, or 404 when none has it.
    func itemPage<Item: Identifiable>(
        _ request: Request, _ context: BasicRequestContext, _ items: [Item], kind: String,
        render: (Item, Timestamp) -> String
    ) throws -> Response where Item.ID == String {
        let id = try context.parameters.require("id")
        guard let item = items.first(where: { $0.id == id }) else {
            return problem(.notFound, "No \(kind) has the id '\(id)'.")
        }
        return Self.pageResponse(Self.html(render(item, now())), request)
    }

    static func language(of request: Request) -> PageLanguage {
        PageLanguage.negotiate(
            parameter: request.uri.queryParameters.get("lang"), acceptLanguage: request.headers[.acceptLanguage])
    }

    static func html(_ text: String) -> Representation {
        Representation(Array(text.utf8), contentType: "text/html; charset=utf-8", cacheControl: "no-cache")
    }

    /// The page's response; it depends on `Accept-Language` as well as on the encoding asked for.
    static func pageResponse(_ page: Representation, _ request: Request) -> Response {
        var response = page.response(for: request)
        response.headers[.vary] = "Accept-Encoding, Accept-Language"
        return response
    }
}
