import Foundation
import Parking
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

@Suite struct ImportEtalabTests {
    /// An invented two-row file in the schema's layout (semicolons, quoted fields, decimal commas).
    let fixture = repositoryRoot.appending(path: "Tests/CityFeedsdTests/Fixtures/stationnement-sample.csv")

    @Test func readsTheNationalSchemaAndTheConfigurationTakesTheResult() throws {
        let carParks = try EtalabImport.parse(try String(contentsOf: fixture, encoding: .utf8))
        #expect(carParks.count == 2)
        let atalaye = carParks[0]
        #expect(atalaye.name == "Parking de l'Atalaye")
        #expect(atalaye.address == "1 rue de l'Atalaye, 64200 Biarritz")
        #expect(atalaye.maxHeightCentimetres == 210)
        #expect(!atalaye.freeOfCharge)
        #expect(
            atalaye.tariffs
                == Tariffs(oneHour: 2.5, twoHours: 4.8, threeHours: 6.9, fourHours: 8.8, twentyFourHours: 20))
        #expect(atalaye.type == .underground)
        #expect((atalaye.disabledSpaces, atalaye.evChargingSpaces) == (4, 2))
        #expect(carParks[1].freeOfCharge)
        #expect(carParks[1].type == .offStreetParkingGround)

        let toml = "[city]\nname = \"Biarritz\"\n" + (try EtalabTOML.render(carParks))
        let configuration = try DaemonConfiguration.parse(toml, file: "imported.toml", overrides: .init())
        #expect(configuration.carParks.map(\.id) == ["64122-p-001", "64122-p-002"])
        #expect(configuration.carParks[0].maxHeightCentimetres == 210)
        #expect(configuration.carParks[0].tariffs.oneHour == 2.5)
        #expect(configuration.carParks[1].parkAndRide)
        #expect(!configuration.carParks[1].hasFee)
    }

    /// Names come from a file the city did not write: quotes, backslashes and accents reach the configuration
    /// as they were, because the TOML library writes them.
    @Test func namesWithQuotesBackslashesAndAccentsSurviveTheRoundTrip() throws {
        let header = "id;nom;gratuit;nb_places;Xlong;Ylat;adresse\n"
        let name = #"Parking "Le Phare" \ Côte des Basques"#
        let csv =
            header + "P-9;\"" + name.replacingOccurrences(of: "\"", with: "\"\"")
            + "\";true;12;-1.56;43.48;\"Plage d'été\"\n"
        let carParks = try EtalabImport.parse(csv)
        #expect(carParks.first?.name == name)
        let toml = "[city]\nname = \"Biarritz\"\n" + (try EtalabTOML.render(carParks))
        let configuration = try DaemonConfiguration.parse(toml, file: "imported.toml", overrides: .init())
        #expect(configuration.carParks.first?.name == name)
        #expect(configuration.carParks.first?.address == "Plage d'été")
        #expect(configuration.carParks.first?.id == "p-9")
    }

    @Test(arguments: [
        ("", "empty file"),
        ("id;nom\n", "no column 'Xlong'"),
        ("id,nom,Xlong,Ylat,nb_places,gratuit\nx,X,200,43,10,true\n", "WGS84"),
        ("id,nom,Xlong,Ylat,nb_places,gratuit\nx,X,-1.5,43,0,true\n", "nb_places"),
        ("id,nom,Xlong,Ylat,nb_places,gratuit\nx,X,-1.5,43,10,peut-être\n", "gratuit"),
    ])
    func refusesBadFilesWithTheLine(text: String, problem: String) {
        #expect {
            try EtalabImport.parse(text)
        } throws: { error in
            "\(error)".contains(problem)
        }
    }
}
