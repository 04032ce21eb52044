import Foundation

/// A car park as the French national schema for parking lots describes it (`etalab/schema-stationnement`):
/// the static data a city publishes on data.gouv.fr.
public struct EtalabCarPark: Sendable, Equatable {
    /// The file's id (`id` column).
    public var id: String
    /// `nom`.
    public var name: String
    /// `adresse`.
    public var address: String?
    /// `Ylat`, WGS84.
    public var latitude: Double
    /// `Xlong`, WGS84.
    public var longitude: Double
    /// `nb_places`.
    public var capacity: Int
    /// `gratuit`.
    public var freeOfCharge: Bool
    /// `hauteur_max`, in centimetres.
    public var maxHeightCentimetres: Int?
    /// `nb_pmr`.
    public var disabledSpaces: Int?
    /// `nb_voitures_electriques`.
    public var evChargingSpaces: Int?
    /// `nb_pr`.
    public var parkAndRideSpaces: Int?
    /// `tarif_1h` to `tarif_24h`.
    public var tariffs: Tariffs
    /// From `type_ouvrage`.
    public var type: CarParkType
}

/// Why a file was refused, with its line.
public struct EtalabImportError: Error, CustomStringConvertible, Sendable {
    /// The file's line (the header is line 1).
    public var line: Int
    /// What is wrong on it.
    public var problem: String
    public var description: String { "line \(line): \(problem)" }
}

/// Reads a CSV in the `schema-stationnement` layout (comma- or semicolon-separated, quoted fields allowed).
/// Columns used: `id`, `nom`, `adresse`, `Xlong`, `Ylat`, `nb_places`, `gratuit`, `hauteur_max`, `nb_pmr`,
/// `nb_voitures_electriques`, `nb_pr`, `tarif_1h` … `tarif_24h`, `type_ouvrage`.
public enum EtalabImport {
    /// Every car park of a file in the national schema (comma or semicolon separated, decimal commas).
    public static func parse(_ text: String) throws(EtalabImportError) -> [EtalabCarPark] {
        let rows = csvRows(text)
        guard let header = rows.first else { throw EtalabImportError(line: 1, problem: "empty file") }
        let columns = Dictionary(
            header.enumerated().map { ($1.trimmingCharacters(in: .whitespaces), $0) }, uniquingKeysWith: { a, _ in a })
        for required in ["id", "nom", "Xlong", "Ylat", "nb_places", "gratuit"] where columns[required] == nil {
            throw EtalabImportError(line: 1, problem: "no column '\(required)'")
        }
        var result: [EtalabCarPark] = []
        for (index, row) in rows.dropFirst().enumerated() where !row.allSatisfy(\.isEmpty) {
            let line = index + 2
            func field(_ name: String) -> String? {
                guard let column = columns[name], column < row.count else { return nil }
                let value = row[column].trimmingCharacters(in: .whitespaces)
                return value.isEmpty ? nil : value
            }
            func number(_ name: String) -> Double? {
                field(name).flatMap {
                    Double($0.replacingOccurrences(of: ",", with: ".").filter { "0123456789.-".contains($0) })
                }
            }
            guard let id = field("id"), let name = field("nom") else {
                throw EtalabImportError(line: line, problem: "id and nom are required")
            }
            guard let longitude = number("Xlong"), let latitude = number("Ylat"), (-90...90).contains(latitude),
                (-180...180).contains(longitude)
            else { throw EtalabImportError(line: line, problem: "Xlong/Ylat are not a WGS84 position") }
            guard let places = number("nb_places"), places > 0, places <= 1_000_000, places == places.rounded() else {
                throw EtalabImportError(line: line, problem: "nb_places must be a whole number from 1 to 1000000")
            }
            let free: Bool
            switch field("gratuit")?.lowercased() {
            case "true", "1", "oui", "vrai": free = true
            case "false", "0", "non", "faux": free = false
            default: throw EtalabImportError(line: line, problem: "gratuit must be true or false")
            }
            // hauteur_max is in metres ("2.10", "2,10 m"); a value above 10 is taken as centimetres.
            let height = number("hauteur_max").map { $0 > 10 ? $0 : $0 * 100 }
            if let height, !(height > 0 && height <= 10_000) {
                throw EtalabImportError(
                    line: line, problem: "hauteur_max must be a height in metres (or centimetres above 10)")
            }
            let kind = field("type_ouvrage")?.lowercased() ?? ""
            result.append(
                EtalabCarPark(
                    id: id, name: name, address: field("adresse"), latitude: latitude, longitude: longitude,
                    capacity: Int(places), freeOfCharge: free, maxHeightCentimetres: height.map { Int($0.rounded()) },
                    disabledSpaces: number("nb_pmr").map { Int($0) },
                    evChargingSpaces: number("nb_voitures_electriques").map { Int($0) },
                    parkAndRideSpaces: number("nb_pr").map { Int($0) },
                    tariffs: Tariffs(
                        oneHour: number("tarif_1h"), twoHours: number("tarif_2h"), threeHours: number("tarif_3h"),
                        fourHours: number("tarif_4h"), twentyFourHours: number("tarif_24h")),
                    type: kind.contains("sous") || kind.contains("souterrain")
                        ? .underground
                        : kind.contains("ouvrage") || kind.contains("elevation") ? .carPark : .offStreetParkingGround))
        }
        return result
    }

    /// RFC 4180 rows; the separator is `;` when the header has more of them than commas.
    static func csvRows(_ text: String) -> [[String]] {
        let firstLine = text.prefix { $0 != "\n" }
        let separator: Character =
            firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        let characters = Array(text)
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var quoted = false
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if quoted {
                if character != "\"" {
                    field.append(character)
                } else if index + 1 < characters.count && characters[index + 1] == "\"" {
                    field.append("\"")  // a doubled quote inside quotes
                    index += 1
                } else {
                    quoted = false
                }
            } else if character == "\"" && field.isEmpty {
                quoted = true
            } else if character == separator {
                row.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" {
                row.append(field)
                rows.append(row)
                (row, field) = ([], "")
            } else if character != "\r" {
                field.append(character)
            }
            index += 1
        }
        if !field.isEmpty || !row.isEmpty {
            row.append(field)
            rows.append(row)
        }
        return rows
    }
}
