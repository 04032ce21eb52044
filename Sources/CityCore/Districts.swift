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
        // Each car park's and beach's district, by its declared id: the indices of each district's items.
        func listed(_ named: [String?], in section: String) -> [Int: [Int]] {
            var members: [Int: [Int]] = [:]
            for (index, id) in named.enumerated() {
                guard let id else { continue }
                guard let position = positions[id] else {
                    report.error("\(section)[\(index)].district", "'\(id)' is not the id of a [[districts]] table")
                    continue
                }
                members[position, default: []].append(index)
            }
            return members
        }
        for (position, members) in listed(carParks.map(\.district), in: "car_parks") {
            districts[position].carParks = members
        }
        for (position, members) in listed(beaches.map(\.district), in: "beaches") {
            districts[position].beaches = members
        }
        for (index, district) in districts.enumerated() where district.carParks.isEmpty && district.beaches.isEmpty {
            report.warn("districts[\(index)]", "'\(district.id)' has no car park and no beach")
        }
        return districts
    }
}
