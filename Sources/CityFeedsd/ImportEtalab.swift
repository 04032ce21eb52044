import CityCore
import CityAPI
import ArgumentParser
import Foundation
import Parking

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
        do throws(EtalabImportError) {
            print(EtalabTOML.render(try EtalabImport.parse(text)), terminator: "")
        } catch {
            printToStandardError("\(file): \(error)")
            throw ExitCode(65)  // EX_DATAERR
        }
    }
}

enum EtalabTOML {
    /// The car parks as configuration tables; ids are made configuration-safe (lower case, `-`).
    static func render(_ carParks: [EtalabCarPark]) -> String {
        var text = "# Imported from etalab/schema-stationnement; add each car park's sensor and source.\n"
        for carPark in carParks {
            text += "\n[[car_parks]]\n"
            text += "id = \(quoted(identifier(carPark.id)))\n"
            text += "name = \(quoted(carPark.name))\n"
            text += "type = \(quoted(carPark.type.rawValue))\n"
            if let address = carPark.address { text += "address = \(quoted(address))\n" }
            text += "latitude = \(carPark.latitude)\nlongitude = \(carPark.longitude)\n"
            text += "capacity = \(carPark.capacity)\n"
            text += "has_fee = \(!carPark.freeOfCharge)\n"
            if let height = carPark.maxHeightCentimetres { text += "max_height_cm = \(height)\n" }
            if let spaces = carPark.disabledSpaces { text += "disabled_spaces = \(spaces)\n" }
            if let spaces = carPark.evChargingSpaces { text += "ev_charging_spaces = \(spaces)\n" }
            if let spaces = carPark.parkAndRideSpaces, spaces > 0 { text += "park_and_ride = true\n" }
            if !carPark.freeOfCharge {
                for (key, price) in [
                    ("tariff_1h", carPark.tariffs.oneHour), ("tariff_2h", carPark.tariffs.twoHours),
                    ("tariff_3h", carPark.tariffs.threeHours), ("tariff_4h", carPark.tariffs.fourHours),
                    ("tariff_24h", carPark.tariffs.twentyFourHours),
                ] {
                    if let price { text += "\(key) = \(price)\n" }
                }
            }
        }
        return text
    }

    static func identifier(_ id: String) -> String {
        let mapped = id.lowercased().map { character -> Character in
            character.isASCII && (character.isLetter || character.isNumber || character == "_") ? character : "-"
        }
        return String(mapped)
    }

    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
