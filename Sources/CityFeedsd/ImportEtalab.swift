import ArgumentParser
import CityAPI
import CityCore
import Foundation
import Parking
import TOMLKit

/// `cityfeedsd import-etalab FILE.csv`: turns a city's `schema-stationnement` CSV into `[[car_parks]]` tables
/// to paste into the configuration (then add each car park's sensor and source).
struct ImportEtalab: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-etalab",
        abstract: "Print [[car_parks]] TOML from a CSV in the French national schema etalab/schema-stationnement.")

    @Argument(help: "The CSV file.")
    var file: String

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            printToStandardError("\(file): cannot read the file")
            throw ExitCode(66)  // EX_NOINPUT
        }
        let carParks: [EtalabCarPark]
        do throws(EtalabImportError) {
            carParks = try EtalabImport.parse(text)
        } catch {
            printToStandardError("\(file): \(error)")
            throw ExitCode(65)  // EX_DATAERR
        }
        print(try EtalabTOML.render(carParks), terminator: "")
    }
}

enum EtalabTOML {
    /// One `[[car_parks]]` table, with the configuration's key names.
    struct CarParkTable: Encodable {
        var id: String
        var name: String
        var type: String
        var address: String?
        var latitude: Double
        var longitude: Double
        var capacity: Int
        var hasFee: Bool
        var maxHeightCentimetres: Int?
        var disabledSpaces: Int?
        var evChargingSpaces: Int?
        var parkAndRide: Bool?
        var tariffs: [String: Double] = [:]

        func encode(to encoder: any Encoder) throws {
            var table = encoder.container(keyedBy: Key.self)
            try table.encode(id, forKey: "id")
            try table.encode(name, forKey: "name")
            try table.encode(type, forKey: "type")
            try table.encodeIfPresent(address, forKey: "address")
            try table.encode(latitude, forKey: "latitude")
            try table.encode(longitude, forKey: "longitude")
            try table.encode(capacity, forKey: "capacity")
            try table.encode(hasFee, forKey: "has_fee")
            try table.encodeIfPresent(maxHeightCentimetres, forKey: "max_height_cm")
            try table.encodeIfPresent(disabledSpaces, forKey: "disabled_spaces")
            try table.encodeIfPresent(evChargingSpaces, forKey: "ev_charging_spaces")
            try table.encodeIfPresent(parkAndRide, forKey: "park_and_ride")
            // The tariffs sit beside the other keys (`tariff_1h = 2.5`), as the configuration reads them.
            for (key, price) in tariffs { try table.encode(price, forKey: Key(stringValue: key)) }
        }
    }

    /// A configuration key, by name.
    struct Key: CodingKey, ExpressibleByStringLiteral {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init(stringLiteral value: String) { stringValue = value }
        init?(intValue: Int) { nil }
    }

    struct Document: Encodable {
        var carParks: [CarParkTable]
        enum CodingKeys: String, CodingKey { case carParks = "car_parks" }
    }

    /// The car parks as configuration tables, written by the TOML library (so every string is escaped as TOML
    /// wants); ids are made configuration-safe (lower case, `-`).
    static func render(_ carParks: [EtalabCarPark]) throws -> String {
        let tables = carParks.map { carPark in
            var table = CarParkTable(
                id: identifier(carPark.id), name: carPark.name, type: carPark.type.rawValue, address: carPark.address,
                latitude: carPark.latitude, longitude: carPark.longitude, capacity: carPark.capacity,
                hasFee: !carPark.freeOfCharge, maxHeightCentimetres: carPark.maxHeightCentimetres,
                disabledSpaces: carPark.disabledSpaces, evChargingSpaces: carPark.evChargingSpaces,
                parkAndRide: (carPark.parkAndRideSpaces ?? 0) > 0 ? true : nil)
            if !carPark.freeOfCharge {
                let prices: [(String, Double?)] = [
                    ("tariff_1h", carPark.tariffs.oneHour), ("tariff_2h", carPark.tariffs.twoHours),
                    ("tariff_3h", carPark.tariffs.threeHours), ("tariff_4h", carPark.tariffs.fourHours),
                    ("tariff_24h", carPark.tariffs.twentyFourHours),
                ]
                for case (let key, let price?) in prices { table.tariffs[key] = price }
            }
            return table
        }
        // Shortest round-tripping floats (4.8, not 4.7999999999999998); UTF-8 names as they are.
        let encoder = TOMLEncoder(options: [.allowUnicodeStrings, .relaxedFloatPrecision])
        let body = try encoder.encode(Document(carParks: tables))
        return "# Imported from etalab/schema-stationnement; add each car park's sensor and source.\n\n" + body + "\n"
    }

    static func identifier(_ id: String) -> String {
        let mapped = id.lowercased().map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || character == "_") ? character : "-"
        }
        return String(mapped)
    }
}
