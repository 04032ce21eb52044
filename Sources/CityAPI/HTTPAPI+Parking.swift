import CityCore
import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Parking
import RequestParsing
import TimeSeries

/// `GET /v1/parking[?lat&lon&radius|bbox&free_of_charge&vehicle_height&min_free&type]`, as JSON or GeoJSON.
package extension HTTPAPI {
    func addParkingRoutes(to router: Router<BasicRequestContext>) {
        router.on(operation: "listCarParks") { request, _ in
            parkingList(request, geoJSON: request.headers[.accept]?.contains("application/geo+json") == true)
        }
        router.on(operation: "listCarParksGeoJSON") { request, _ in
            parkingList(request, geoJSON: true)
        }
    }

    func parkingList(_ request: Request, geoJSON: Bool) -> Response {
        let query: ParkingQuery
        let page: PageRequest?
        do throws(BadParameter) {
            let parameters = Query(request)
            query = try RequestParsing.parkingQuery(parameters)
            page = try RequestParsing.page(parameters)
        } catch {
            return problem(.badRequest, error.message)
        }
        // The whole list is what apps poll: from the snapshot cache, by the rule PolledReadHandler follows.
        if let document = PolledDocument(request) {
            return response(to: document, request)
        }
        let time = now()
        let items: [Contract.CarPark]
        var next: PageCursor?
        if let page {
            let found = status.carParks(query, page: page, now: time)
            (items, next) = (found.items.map(Contract.CarPark.init), found.next)
        } else {
            items = carParkDocuments(query, now: time)
        }
        var response =
            geoJSON
            ? json(Contract.FeatureCollection(carParks: items))
            : json(Contract.CarParkList(generatedAt: time.iso8601, items: items, nextCursor: next?.token))
        if geoJSON { response.headers[.contentType] = PolledDocument.parkingGeoJSON.contentType }
        if let next { response.headers[.link] = nextPageLink(request, next) }
        return response
    }

    /// `Link: <…&cursor=TOKEN>; rel="next"`: the request's own parameters with the next page's cursor (RFC 8288).
    func nextPageLink(_ request: Request, _ next: PageCursor) -> String {
        var parameters = request.uri.queryParameters.filter { $0.key != "cursor" }.map {
            "\($0.key)=\(String($0.value).addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")"
        }
        parameters.append("cursor=\(next.token)")
        return "<\(request.uri.path)?\(parameters.joined(separator: "&"))>; rel=\"next\""
    }

    /// The car parks `query` selects, nearest first when it has a position, with their outlooks.
    func carParkDocuments(_ query: ParkingQuery, now time: Timestamp) -> [Contract.CarPark] {
        status.carParks(query, now: time).map(Contract.CarPark.init)
    }

}

/// `POST /v1/parking/{id}/occupancy` — an operator's count recalibrates an entry/exit counter. Bearer token.
package extension HTTPAPI {
    struct OccupancyBody: Decodable {
        var occupied: Int
    }

    func addOperatorRoutes(to router: Router<BasicRequestContext>) {
        router.on(operation: "setCarParkOccupancy") { request, context in
            if let refusal = authorise(request) { return refusal }
            let id = try context.parameters.require("id")
            guard let carPark = status.configuration.carParks.first(where: { $0.id == id }) else {
                return problem(.notFound, "No car park has the id '\(id)'.")
            }
            guard carPark.balancing != nil else {
                return problem(
                    .conflict,
                    "'\(id)' reports absolute counts; only entry/exit counted car parks take an operator's count.")
            }
            let buffer = try await request.body.collect(upTo: 4_096)
            let expected = "Expected {\"occupied\": N} with N from 0 to \(carPark.capacity)."
            let body: OccupancyBody
            do throws(BadParameter) {
                body = try RequestParsing.decodeStrictly(
                    OccupancyBody.self, Array(buffer.readableBytesView), keys: ["occupied"])
            } catch {
                return problem(.badRequest, "\(error.message) \(expected)")
            }
            guard (0...carPark.capacity).contains(body.occupied) else { return problem(.badRequest, expected) }
            let time = now()
            try desk.setOccupancy(of: carPark, occupied: body.occupied, at: time)
            return json(Contract.CarPark(status.carPark(carPark, now: time)))
        }
    }

    /// `nil` when the request carries the operator token; otherwise the refusal to send.
    func authorise(_ request: Request) -> Response? {
        guard let expected = status.configuration.http.operatorToken else {
            return problem(.forbidden, "Operator endpoints are disabled: set http.operator_token_file.")
        }
        let header = request.headers[.authorization] ?? ""
        guard header.hasPrefix("Bearer "), constantTimeEqual(Array(header.utf8.dropFirst(7)), Array(expected.utf8))
        else {
            var response = problem(.unauthorized, "A valid bearer token is required.")
            response.headers[.wwwAuthenticate] = "Bearer"
            return response
        }
        return nil
    }
}

/// Compares without stopping at the first difference, so the time taken does not tell how much of a guessed
/// token was right.
func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
    var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
    for index in 0..<max(a.count, b.count) {
        difference |= (index < a.count ? a[index] : 0) ^ (index < b.count ? b[index] : 0)
    }
    return difference == 0
}

extension HTTPField.Name {
    /// RFC 8288 web links: the next page of a list.
    static let link = HTTPField.Name("Link")!
}

extension Query {
    /// The request's query parameters.
    init(_ request: Request) {
        self.init(request.uri.queryParameters.map { (String($0.key), String($0.value)) })
    }
}
