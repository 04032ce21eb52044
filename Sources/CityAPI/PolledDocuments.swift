import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import Hummingbird
import Ingest
import Parking
import TimeSeries

/// The documents apps poll: whole, unfiltered, the same for everyone.
enum PolledDocument: Hashable, Sendable {
    case status, beaches, parking, parkingGeoJSON, districts
    case district(String)

    /// One of each, the district as its path template (for the contract tests).
    static let allCases: [PolledDocument] = [
        .status, .beaches, .parking, .parkingGeoJSON, .districts, .district("{id}"),
    ]

    /// The path it is served at; each is an operation of `openapi.yaml` (checked by the contract tests).
    var path: String {
        switch self {
        case .status: "/v1/status"
        case .beaches: "/v1/beaches"
        case .parking: "/v1/parking"
        case .parkingGeoJSON: "/v1/parking.geojson"
        case .districts: "/v1/districts"
        case .district(let id): "/v1/districts/\(id)"
        }
    }

    /// The polled document a GET of `path` asks for, or `nil` when it asks for something else (a filtered
    /// list is computed per request). `/v1/parking` gives GeoJSON to clients that accept it. Any district id is
    /// taken here; whether the city has it is `HTTPAPI.serves(_:)`'s question.
    init?(path: Substring, query: Substring?, accept: String?) {
        let whole = query?.isEmpty ?? true
        switch path {
        case "/v1/status": self = .status
        case "/v1/districts": self = .districts
        case "/v1/beaches" where whole: self = .beaches
        case "/v1/parking" where whole:
            self = accept?.contains("application/geo+json") == true ? .parkingGeoJSON : .parking
        case "/v1/parking.geojson" where whole: self = .parkingGeoJSON
        default:
            let prefix = "/v1/districts/"
            guard path.hasPrefix(prefix), path.count > prefix.count else { return nil }
            let id = path.dropFirst(prefix.count)
            guard !id.contains("/") else { return nil }
            self = .district(String(id))
        }
    }

    init?(_ request: Request) {
        self.init(
            path: request.uri.path[...], query: request.uri.query.map { $0[...] }, accept: request.headers[.accept])
    }

    var contentType: String {
        self == .parkingGeoJSON ? "application/geo+json" : "application/json; charset=utf-8"
    }
}

/// What the polled documents depend on: a rendering made for one version is served until another.
struct SnapshotVersion: Equatable, Sendable {
    var readings: Int64
    var alerts: Int64
    var configuration: Int64
    /// The documents' ages and generation time change with the second.
    var second: Int64
}

extension HTTPAPI {
    /// Whether `document` exists in this city (a district must be configured).
    func serves(_ document: PolledDocument) -> Bool {
        guard case .district(let id) = document else { return true }
        return status.configuration.districts.contains { $0.id == id }
    }

    /// A polled document from the snapshot cache: rendered once per change of the data (or of the second, for
    /// the ages in it), whatever the number of pollers; a slow one in the background (``RenderedSnapshots``).
    /// Its car parks and beaches come from `items`, so a rendering computes only the items that changed. The
    /// router and `PolledReadHandler` both serve it; `nil` for a district the city does not have.
    func representation(of document: PolledDocument) -> Representation? {
        guard serves(document) else { return nil }
        let version = SnapshotVersion(
            readings: store.version, alerts: alerts.revision, configuration: statusSource.generation,
            second: now().milliseconds / 1_000)
        return snapshots.value(document.path, version: version) { [self] in
            Representation(
                render(document, status: statusSource.value, generation: statusSource.generation, now: now()),
                contentType: document.contentType, cacheControl: "public, max-age=1")
        }
    }

    /// The response to a GET of a polled document: from the cache, or 404 for an unknown district.
    func response(to document: PolledDocument, _ request: Request) -> Response {
        guard let representation = representation(of: document) else {
            guard case .district(let id) = document else { return problem(.notFound, "Nothing here.") }
            return problem(.notFound, "No district has the id '\(id)'.")
        }
        return representation.response(for: request)
    }

    /// The document's bytes at `now`, from `status`'s configuration loaded as `generation`.
    func render(_ document: PolledDocument, status: CityStatus, generation: Int64, now time: Timestamp) -> [UInt8] {
        let configuration = status.configuration
        let generatedAt = time.iso8601
        var out = JSONAssembly()
        switch document {
        case .status:
            return out.encoded(statusSummary(status, generation: generation, now: time))
        case .districts:
            let summaries = configuration.districts.map { district in
                let carParks = items.carParks(district.carParks, status: status, generation: generation, now: time)
                let beaches = items.beaches(district.beaches, status: status, generation: generation, now: time)
                return Contract.DistrictSummary(
                    beaches: Self.beachTotals(beaches), id: district.id, name: district.name,
                    openAlerts: Set(beaches.flatMap { $0.inputs.open.map(\.id) }).count,
                    parking: Self.parkingTotals(carParks))
            }
            return out.encoded(Contract.DistrictList(generatedAt: generatedAt, items: summaries))
        case .district(let id):
            guard let district = configuration.districts.first(where: { $0.id == id }) else { return [] }
            let carParks = items.carParks(district.carParks, status: status, generation: generation, now: time)
            let beaches = items.beaches(district.beaches, status: status, generation: generation, now: time)
            // Its beaches' open alerts, each once, in the order the center keeps them (oldest first).
            let ids = Set(district.beaches.map { configuration.beaches[$0].id })
            let open = status.alerts.openAlerts(concerning: ids).map(Contract.Alert.init)
            out.begin()
            out.member("alerts", encoded: open)
            out.member("beaches", items: beaches) { $1.item.write(to: &$0, now: time) }
            out.member("car_parks", items: carParks) { $1.item.write(to: &$0, now: time) }
            out.member("generated_at", encoded: generatedAt)
            out.member("id", encoded: district.id)
            out.member("name", encoded: district.name)
            out.member("parking", encoded: Self.parkingTotals(carParks))
            out.end()
        case .beaches:
            let beaches = items.beaches(
                configuration.beaches.indices, status: status, generation: generation, now: time)
            return Self.list(generatedAt, beaches.map(\.item), now: time)
        case .parking:
            let carParks = items.carParks(
                configuration.carParks.indices, status: status, generation: generation, now: time)
            return Self.list(generatedAt, carParks.map(\.item), now: time)
        case .parkingGeoJSON:
            let carParks = items.carParks(
                configuration.carParks.indices, status: status, generation: generation, now: time)
            out.begin()
            out.member("features", items: carParks) { buffer, carPark in
                buffer += carPark.featureHead
                buffer += Array(",\"properties\":".utf8)
                carPark.item.write(to: &buffer, now: time)
                buffer += Array(",\"type\":\"Feature\"}".utf8)
            }
            out.member("type", encoded: "FeatureCollection")
            out.end()
        }
        return out.bytes
    }

    /// `{"generated_at": …, "items": […]}`: a whole-city list, its items written as of `time`.
    static func list(_ generatedAt: String, _ items: [RenderedItem], now time: Timestamp) -> [UInt8] {
        var out = JSONAssembly()
        out.begin()
        out.member("generated_at", encoded: generatedAt)
        out.member("items", items: items) { $1.write(to: &$0, now: time) }
        out.end()
        return out.bytes
    }

    /// `/v1/status`: counts only, so that it stays small whatever the city's size.
    func statusSummary(_ status: CityStatus, generation: Int64, now time: Timestamp) -> Contract.Status {
        let configuration = status.configuration
        let carParks = items.carParks(configuration.carParks.indices, status: status, generation: generation, now: time)
        let beaches = items.beaches(configuration.beaches.indices, status: status, generation: generation, now: time)
        let open = status.alerts.openAlerts
        return Contract.Status(
            alerts: Contract.AlertTotals(
                firing: open.filter { $0.state == .firing }.count, open: open.count,
                pending: open.filter { $0.state == .pending }.count),
            beaches: Self.beachTotals(beaches), city: configuration.cityName, districts: configuration.districts.count,
            generatedAt: time.iso8601, mqtt: Contract.MQTTStatus(consumer.status),
            parking: Self.parkingTotals(carParks))
    }

    static func parkingTotals(_ carParks: [ItemRenderings.CarParkItem]) -> Contract.ParkingTotals {
        Contract.ParkingTotals(
            carParks: carParks.count, totalFree: carParks.compactMap(\.liveFree).reduce(0, +),
            withRealtimeData: carParks.filter(\.hasRealtimeData).count)
    }

    static func beachTotals(_ beaches: [ItemRenderings.BeachItem]) -> Contract.BeachTotals {
        func count(_ status: BeachStatus) -> Int { beaches.filter { $0.status == status }.count }
        return Contract.BeachTotals(
            beaches: beaches.count,
            byStatus: .init(
                average: count(.average), closed: count(.closed), good: count(.good), poor: count(.poor),
                unknown: count(.unknown)))
    }
}

/// A JSON object written member by member, in the order given (the callers give the encoder's sorted order),
/// from encoded values and from items already rendered.
struct JSONAssembly {
    private(set) var bytes: [UInt8] = []
    private var first = true

    func encoded(_ value: some Encodable) -> [UInt8] {
        Array((try? HTTPAPI.encoder.encode(value)) ?? Data())
    }

    mutating func begin() {
        bytes.append(UInt8(ascii: "{"))
        first = true
    }

    mutating func end() {
        bytes.append(UInt8(ascii: "}"))
    }

    private mutating func key(_ name: String) {
        if !first { bytes.append(UInt8(ascii: ",")) }
        first = false
        bytes.append(UInt8(ascii: "\""))
        bytes += Array(name.utf8)
        bytes += Array("\":".utf8)
    }

    /// A member whose value the encoder writes.
    mutating func member(_ name: String, encoded value: some Encodable) {
        key(name)
        bytes += Array((try? HTTPAPI.encoder.encode(value)) ?? Data("null".utf8))
    }

    /// An array member of items each writing itself.
    mutating func member<Item>(_ name: String, items: [Item], write: (inout [UInt8], Item) -> Void) {
        key(name)
        bytes.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            write(&bytes, item)
        }
        bytes.append(UInt8(ascii: "]"))
    }
}
