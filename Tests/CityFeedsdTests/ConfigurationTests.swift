import Alerts
import Beaches
import FeedCore
import Foundation
import Ingest
import Parking
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

@Suite struct ConfigurationTests {
    let samplePath = repositoryRoot.appending(path: "config/biarritz.toml").path

    @Test func theSampleConfigurationIsValid() throws {
        let configuration = try DaemonConfiguration.load(path: samplePath)
        #expect(configuration.cityName == "Biarritz")
        #expect(
            configuration.carParks.map(\.id) == [
                "casino", "sainte-eugenie", "clemenceau", "gare-du-midi", "halle-iraty", "aguilera",
            ])
        let iraty = try #require(configuration.carParks.first { $0.id == "halle-iraty" })
        #expect(iraty.capacity == 500)
        #expect(!iraty.hasFee)
        #expect(iraty.parkAndRide)
        #expect(configuration.beaches.count == 6)
        #expect(configuration.beaches.contains { $0.id == "cote-des-basques" && $0.water == .coastal })
        #expect(configuration.outfalls.allSatisfy { !$0.beaches.isEmpty })
        #expect(configuration.bathingWater.dischargeHoldSeconds == 48 * 3_600)
        // Relative paths are relative to the file, not to the working directory.
        #expect(configuration.dataDirectory.hasPrefix(repositoryRoot.appending(path: "config").path))
    }

    @Test func flagsWinOverTheEnvironmentWhichWinsOverTheFile() throws {
        let environment = ConfigurationOverrides.environment([
            "CITYFEEDS_BROKER": "mqtt://127.0.0.1:2000", "CITYFEEDS_HTTP_LISTEN": "127.0.0.1:9000",
            "CITYFEEDS_DATA_DIR": "/tmp/from-env",
        ])
        let flags = ConfigurationOverrides(broker: "mqtt://127.0.0.1:3000", httpListen: nil, dataDirectory: nil)
        let configuration = try DaemonConfiguration.load(path: samplePath, overrides: flags.over(environment))
        #expect(configuration.mqtt.broker.port == 3000)
        #expect(configuration.http.port == 9000)
        #expect(configuration.dataDirectory == "/tmp/from-env")
        // The client id, so that two instances of a pair share one file: the file's, the environment's, a flag's.
        #expect(configuration.mqtt.clientID == "cityfeedsd-biarritz")
        let pairEnvironment = ConfigurationOverrides.environment(["CITYFEEDS_CLIENT_ID": "cityfeedsd-b"])
        #expect(
            try DaemonConfiguration.load(path: samplePath, overrides: pairEnvironment).mqtt.clientID == "cityfeedsd-b")
        let pairFlag = ConfigurationOverrides(clientID: "cityfeedsd-a").over(pairEnvironment)
        #expect(try DaemonConfiguration.load(path: samplePath, overrides: pairFlag).mqtt.clientID == "cityfeedsd-a")
        #expect(throws: ConfigurationError.self) {
            try DaemonConfiguration.load(path: samplePath, overrides: ConfigurationOverrides(clientID: ""))
        }
    }

    /// A car park or beach naming a district nobody declared is an error where it names it; a declared district
    /// nothing is listed under is a warning; the others list their items in file order.
    @Test func thePairsOperatorTopicIsOneTopicNoSensorUses() throws {
        func problems(_ topic: String) -> [String] {
            let text = """
                [city]
                name = "Pair"
                [mqtt]
                operator_topic = "\(topic)"
                [[ingest.routes]]
                pattern = "cityfeeds/sewer/{sensor}/state"
                format = "json"

                """
            do {
                _ = try DaemonConfiguration.parse(text, file: "p.toml", overrides: .init())
                return []
            } catch let error as ConfigurationError {
                return error.problems.map { "\($0.location): \($0.message)" }
            } catch {
                return ["\(error)"]
            }
        }
        #expect(problems("cityfeeds/operator") == [])
        #expect(problems("cityfeeds/operator/#").first?.contains("without wildcards") == true)
        #expect(problems("cityfeeds/sewer/o1/state").first?.contains("route 'cityfeeds/sewer/{sensor}/state'") == true)
        let unset = try DaemonConfiguration.parse(
            "[city]\nname = \"Pair\"\n[mqtt]\noperator_topic = \"\"\n", file: "p.toml", overrides: .init())
        #expect(unset.mqtt.operatorTopic == nil)
    }

    @Test func districtsAreCheckedWhereTheyAreNamed() throws {
        let base = """
            [city]
            name = "Districts"
            [[districts]]
            id = "north"
            name = "North"
            [[districts]]
            id = "empty"
            name = "Empty"
            [[car_parks]]
            id = "p1"
            name = "P1"
            latitude = 43.4
            longitude = -1.5
            capacity = 10
            has_fee = false
            district = "north"
            [[beaches]]
            id = "b1"
            name = "B1"
            latitude = 43.4
            longitude = -1.5
            district = "north"

            """
        let good = try DaemonConfiguration.parse(base, file: "d.toml", overrides: .init())
        #expect(good.districts.map(\.id) == ["north", "empty"])
        #expect(good.districts[0].carParks == [0] && good.districts[0].beaches == [0])
        #expect(good.warnings.map(\.location) == ["districts[1]"])
        let bad =
            base + """
                [[beaches]]
                id = "b2"
                name = "B2"
                latitude = 43.4
                longitude = -1.5
                district = "south"
                """
        do {
            _ = try DaemonConfiguration.parse(bad, file: "d.toml", overrides: .init())
            Issue.record("an unknown district was accepted")
        } catch let error as ConfigurationError {
            #expect(error.problems.map(\.location) == ["beaches[1].district"])
            #expect(error.problems.first?.message.contains("'south'") == true)
        }
    }

    @Test func reportsEveryProblemWithItsLocation() throws {
        let text = """
            [city]
            name = "Testville"

            [mqtt]
            broker = "http://nowhere"

            [http]
            listen = "everywhere"
            max_connections = 0

            [[ingest.routes]]
            pattern = "a/b"

            [[car_parks]]
            id = "Bad Id"
            name = "X"
            latitude = 123
            longitude = 0
            capacity = 0
            has_fee = true

            [[beaches]]
            id = "b"
            name = "B"
            latitude = 1
            longitude = 1

            [[outfalls]]
            id = "o"
            name = "O"
            beaches = ["b", "missing"]
            """
        do {
            _ = try DaemonConfiguration.parse(text, file: "test.toml", overrides: .init())
            Issue.record("expected an error")
        } catch let error as ConfigurationError {
            let locations = Set(error.problems.map(\.location))
            #expect(
                locations == [
                    "mqtt.broker", "http.listen", "http.max_connections", "ingest.routes[0]", "car_parks[0].id",
                    "car_parks[0].latitude",
                    "car_parks[0].capacity", "outfalls[0].beaches[1]",
                ], "\(error)")
        }
    }

    @Test func seriesClassesCanBeSizedAndBadSizesAreReported() throws {
        let good = try DaemonConfiguration.parse(
            """
            [city]
            name = "T"
            [storage.classes.parking]
            raw = 100
            rollups = ["1h:24", "5m:12"]
            heartbeat_minutes = 10
            """, file: "t.toml", overrides: .init())
        let parking = try #require(good.storage.seriesLayout.classes["parking"])
        #expect(parking.rawCapacity == 100)
        #expect(
            parking.rollups == [
                RollupSpec(stepSeconds: 300, capacity: 12), RollupSpec(stepSeconds: 3_600, capacity: 24),
            ])
        #expect(parking.heartbeatSeconds == 600)
        #expect(good.storage.seriesLayout.classes["water"] == SeriesLayout.defaults.classes["water"])

        #expect {
            try DaemonConfiguration.parse(
                """
                [city]
                name = "T"
                [storage.classes.parking]
                raw = 1
                rollups = ["hourly"]
                [storage.classes.boats]
                raw = 100
                """, file: "t.toml", overrides: .init())
        } throws: { error in
            let locations = Set((error as? ConfigurationError)?.problems.map(\.location) ?? [])
            return locations == [
                "storage.classes.parking.raw", "storage.classes.parking.rollups[0]", "storage.classes.boats",
            ]
        }
    }

    @Test func alertSettingsAndBeachPoliciesAreChecked() throws {
        let good = try DaemonConfiguration.parse(
            """
            [city]
            name = "T"
            [beach_settings]
            season_start = "05-01"
            season_end = "06-15"
            [alerts]
            not_genuine = "flag"
            status_topic = ""
            [[beaches]]
            id = "b"
            name = "B"
            latitude = 43.5
            longitude = -1.5
            probe = "p"
            clearance = "clean_sample"
            [[rain_gauges]]
            id = "g"
            name = "G"
            beaches = ["b"]
            alert_mm_24h = 25
            """, file: "t.toml", overrides: .init(dataDirectory: "/tmp/t"))
        #expect(good.bathingWater.bathing.season.days == 46)
        #expect(Classifier.minimumSamples(seasonDays: good.bathingWater.bathing.season.days) == 8)
        #expect(good.alerts.notGenuine == .flag)
        #expect(good.alerts.statusTopic == nil)
        #expect(good.alerts.logPath == "/tmp/t/alerts.jsonl")
        let policy = good.alertPolicy
        #expect(policy.beach("b")?.clearance == .cleanSample)
        #expect(policy.rainGauges["g"]?.alertMillimetres == 25)

        #expect {
            try DaemonConfiguration.parse(
                """
                [city]
                name = "T"
                [beach_settings]
                season_start = "June"
                [alerts]
                not_genuine = "ignore"
                status_topic = "beaches/#"
                [[beaches]]
                id = "b"
                name = "B"
                latitude = 43.5
                longitude = -1.5
                clearance = "clean_sample"
                [[rain_gauges]]
                id = "g"
                name = "G"
                beaches = ["nowhere"]
                alert_mm_24h = 0
                """, file: "t.toml", overrides: .init())
        } throws: { error in
            let locations = Set((error as? ConfigurationError)?.problems.map(\.location) ?? [])
            return locations == [
                "beach_settings.season_start", "alerts.not_genuine", "alerts.status_topic", "beaches[0].clearance",
                "rain_gauges[0].beaches[0]", "rain_gauges[0].alert_mm_24h",
            ]
        }
    }

    @Test func perSpaceCarParksAndTheirZonesAreChecked() throws {
        let good = try DaemonConfiguration.parse(
            """
            [city]
            name = "T"
            [[car_parks]]
            id = "lot"
            name = "Lot"
            latitude = 43.48
            longitude = -1.56
            capacity = 3
            has_fee = false
            source = "spaces"
            spaces = ["s1", "s2", "s3"]
            zones = [{ id = "front", spaces = ["s1"] }]
            """, file: "t.toml", overrides: .init())
        #expect(good.carParks[0].spaceSensors?.zones.map(\.id) == ["front"])
        #expect(good.sensorSpecs.contains { $0.id == "s2" && $0.metrics == [.spaceOccupied] })

        #expect {
            try DaemonConfiguration.parse(
                """
                [city]
                name = "T"
                [[car_parks]]
                id = "lot"
                name = "Lot"
                latitude = 43.48
                longitude = -1.56
                capacity = 1
                has_fee = false
                source = "spaces"
                spaces = ["s1", "s2"]
                zones = [{ id = "front", spaces = ["s9"] }]
                """, file: "t.toml", overrides: .init())
        } throws: { error in
            let locations = Set((error as? ConfigurationError)?.problems.map(\.location) ?? [])
            return locations == ["car_parks[0].spaces", "car_parks[0].zones[0].spaces[0]"]
        }
    }

    @Test func anUnknownKeyIsAnErrorNotSilence() {
        let text = """
            [city]
            name = "Testville"
            [http]
            listn = "127.0.0.1:1"
            """
        #expect {
            try DaemonConfiguration.parse(text, file: "t.toml", overrides: .init())
        } throws: { error in
            "\(error)".contains("http.listn")
        }
    }

    @Test func aSyntaxErrorNamesItsLine() {
        #expect {
            try DaemonConfiguration.parse("[city]\nname = \"x\"\nbroken = = 1\n", file: "t.toml", overrides: .init())
        } throws: { error in
            "\(error)".contains("line 3")
        }
    }

    func configuration(_ extra: String, in directory: URL) throws -> DaemonConfiguration {
        let text = """
            [city]
            name = "Testville"

            [storage]
            data_dir = "\(directory.path)"

            \(extra)
            """
        let path = directory.appending(path: "cityfeeds.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return try DaemonConfiguration.load(path: path)
    }

    /// An alert log the daemon could not append to is a configuration error, found by `check-config`.
    @Test func anAlertLogThatCannotBeWrittenIsReported() throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-config-log")
        for (path, expected) in [
            (directory.path, "is a directory"), ("/etc/hostname/alerts.jsonl", "is not a directory"),
        ] {
            #expect {
                _ = try configuration("[alerts]\nlog_file = \"\(path)\"", in: directory)
            } throws: { error in
                "\(error)".contains("alerts.log_file") && "\(error)".contains(expected)
            }
        }
        #expect(try configuration("[alerts]\nlog_file = \"logs/new/alerts.jsonl\"", in: directory).warnings.isEmpty)
    }

    /// A token others can read is accepted, with a warning that says so.
    @Test func aSecretFileOthersCanReadIsWarnedAbout() throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-config-token")
        let token = directory.appending(path: "token").path
        try "an-operator-token-of-some-length\n".write(toFile: token, atomically: true, encoding: .utf8)
        chmod(token, 0o644)
        let open = try configuration("[http]\noperator_token_file = \"\(token)\"", in: directory)
        #expect(open.warnings.map(\.location) == ["http.operator_token_file"])
        #expect(open.warnings.first?.message.contains("chmod 600") == true)
        chmod(token, 0o600)
        #expect(try configuration("[http]\noperator_token_file = \"\(token)\"", in: directory).warnings.isEmpty)
    }
}
