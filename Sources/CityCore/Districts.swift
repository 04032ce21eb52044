import Beaches
import FeedCore
import Foundation
import Parking

/// One `[[districts]]` table: a part of the city with a document of its own.
struct DistrictSection: Decodable {
    var id: String
    var name: String
}

/// A part of the city (a neighbourhood, a commune of a metropolis, a stretch of coast) whose car parks and beaches
/// are served as one document, so that an app polls the part its user is in rather than the whole city.
package struct District: Sendable, Equatable {
    /// The configured id, used in URLs.
    package var id: String
    /// The name shown to the public.
    package var name: String
    /// Its car parks, as indices into the configuration's car parks, in configuration order.
    package var carParks: [Int]
    /// Its beaches, as indices into the configuration's beaches, in configuration order.
    package var beaches: [Int]
}

extension District {
    /// Checks the `[[districts]]` tables and the `district` key of every car park and beach: each names a
    /// declared district or none. A district nothing is listed under is allowed, with a warning.
    static func checked(
        _ sections: [DistrictSection]?, carParks: [CarPark], beaches: [BeachConfiguration],
        report: inout ConfigurationReport
    ) -> [District] {
        var districts: [District] = []
        var ids = Set<String>()
        for (index, raw) in (sections ?? []).enumerated() {
            report.checkIdentifier(raw.id, at: "districts[\(index)].id", unique: &ids)
            if raw.name.trimmingCharacters(in: .whitespaces).isEmpty {
                report.error("districts[\(index)].name", "must not be empty")
            }
            districts.append(District(id: raw.id, name: raw.name, carParks: [], beaches: []))
        }
        let positions = Dictionary(districts.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (index, carPark) in carParks.enumerated() {
            guard let id = carPark.district else { continue }
            guard let position = positions[id] else {
                report.error("car_parks[\(index)].district", "'\(id)' is not the id of a [[districts]] table")
                continue
            }
            districts[position].carParks.append(index)
        }
        for (index, beach) in beaches.enumerated() {
            guard let id = beach.district else { continue }
            guard let position = positions[id] else {
                report.error("beaches[\(index)].district", "'\(id)' is not the id of a [[districts]] table")
                continue
            }
            districts[position].beaches.append(index)
        }
        for (index, district) in districts.enumerated() where district.carParks.isEmpty && district.beaches.isEmpty {
            report.warn("districts[\(index)]", "'\(district.id)' has no car park and no beach")
        }
        return districts
    }
}
