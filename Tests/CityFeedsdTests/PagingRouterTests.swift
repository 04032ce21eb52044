import Alerts
import Beaches
import FeedCore
import Foundation
import Logging
import Parking
import TestSupport
import Testing
import TimeSeries

@testable import CityCore
@testable import CityFeedsd

/// Whole-city lists in pages (`limit`, `cursor`): the pages, followed by their cursors, give the whole list in
/// its order, each item once, whatever the filters; a bad page parameter is a 400 with the reason.
@Suite struct PagingRouterTests {
    /// A city of 30 car parks and 14 beaches on a grid around Biarritz, every third car park free of charge.
    static func generatedCity() -> String {
        var toml = "[city]\nname = \"Paging\"\ntimezone = \"Europe/Paris\"\n"
        for index in 0..<30 {
            toml += """
                [[car_parks]]
                id = "cp-\(index)"
                name = "Car park \(index)"
                latitude = \(43.47 + Double(index % 6) * 0.004)
                longitude = \(-1.57 + Double(index / 6) * 0.005)
                capacity = 100
                has_fee = \(index % 3 == 0 ? "false" : "true")

                """
        }
        for index in 0..<14 {
            toml += """
                [[beaches]]
                id = "b-\(index)"
                name = "Beach \(index)"
                latitude = \(43.46 + Double(index) * 0.003)
                longitude = -1.56
                probe = "probe-\(index)"

                """
        }
        for index in 0..<4 {
            toml += "[[outfalls]]\nid = \"o-\(index)\"\nname = \"Outfall \(index)\"\n"
            toml += "beaches = [\"b-\(index * 3)\", \"b-\(index * 3 + 1)\"]\n\n"
        }
        return toml
    }

    func withCity(_ body: (RouterClient, Daemon) async throws -> Void) async throws {
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-paging")
        let configuration = try DaemonConfiguration.parse(
            Self.generatedCity(), file: "paging.toml",
            overrides: .init(broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0", dataDirectory: dataDirectory.path)
        )
        let daemon = try Daemon(configuration: configuration, logger: Logger(label: "paging-test"))
        defer { daemon.close() }
        try await body(RouterClient(responder: daemon.responder), daemon)
    }

    /// Every item of `path` followed page by page at `limit`, checking each page's size, cursor and link.
    func allPages(_ client: RouterClient, _ path: String, limit: Int) async throws -> [String] {
        var ids: [String] = []
        var cursor: String?
        for _ in 0..<100 {
            let separator = path.contains("?") ? "&" : "?"
            let reply = try await client.raw(
                path + separator + "limit=\(limit)" + (cursor.map { "&cursor=\($0)" } ?? ""))
            #expect(reply.status == 200)
            let document = try JSONSerialization.jsonObject(with: reply.body) as! [String: Any]
            let items = document["items"] as! [[String: Any]]
            #expect(items.count <= limit)
            ids += items.map { $0["id"] as! String }
            cursor = document["next_cursor"] as? String
            #expect((reply.headers["link"] != nil) == (cursor != nil))
            if let cursor {
                #expect(items.count == limit)
                #expect(reply.headers["link"]?.contains("cursor=\(cursor)") == true)
            } else {
                return ids
            }
        }
        Issue.record("the pages of \(path) never ended")
        return ids
    }

    func ids(_ client: RouterClient, _ path: String) async throws -> [String] {
        let document = try JSONSerialization.jsonObject(with: try await client.raw(path).body) as! [String: Any]
        #expect(document["next_cursor"] == nil)
        return (document["items"] as! [[String: Any]]).map { $0["id"] as! String }
    }

    @Test func pagesOfCarParksAndBeachesGiveTheWholeListInOrder() async throws {
        try await withCity { client, daemon in
            // Live figures for some, so that min_free has something to select.
            let now = Timestamp.now
            _ = try daemon.store.append(
                (0..<30).filter { $0 % 2 == 0 }.map {
                    Reading(
                        sensor: SensorID("cp-\($0)"), metric: .occupied, time: now.adding(seconds: -60),
                        value: Double($0 * 3), received: now)
                })
            for (path, limit) in [
                ("/v1/parking", 7), ("/v1/parking", 1), ("/v1/parking", 30), ("/v1/parking?free_of_charge=true", 4),
                ("/v1/parking?lat=43.48&lon=-1.56&radius=2000", 4), ("/v1/parking?min_free=50", 3),
                ("/v1/parking?lat=43.48&lon=-1.56&radius=2000&min_free=40", 2),
                ("/v1/parking?bbox=-1.57,43.47,-1.555,43.48", 5), ("/v1/beaches", 5),
                ("/v1/beaches?bbox=-1.6,43.465,-1.5,43.48", 2),
            ] {
                let whole = try await ids(client, path)
                let paged = try await allPages(client, path, limit: limit)
                #expect(paged == whole, "\(path) limit \(limit)")
                #expect(Set(paged).count == paged.count)
            }
            // The filters select what they say.
            #expect(try await ids(client, "/v1/parking?free_of_charge=true").count == 10)
            #expect(try await ids(client, "/v1/beaches?bbox=-1.6,43.465,-1.5,43.48") == (2...6).map { "b-\($0)" })
        }
    }

    /// The grid and pages select what the query's plain definition (`ParkingQuery.apply` over every car park
    /// and its availability) selects, nearest first.
    @Test func theDaemonsAnswerIsTheQuerysPlainDefinition() async throws {
        try await withCity { _, daemon in
            let now = Timestamp.now
            _ = try daemon.store.append(
                (0..<30).map {
                    Reading(
                        sensor: SensorID("cp-\($0)"), metric: .occupied, time: now.adding(seconds: -60),
                        value: Double($0 * 3 % 100), received: now)
                })
            let status = CityStatus(configuration: daemon.configuration, store: daemon.store, alerts: daemon.alerts)
            let all = daemon.configuration.carParks.map { ($0, status.carPark($0, now: now).availability) }
            var generator = SeededGenerator(seed: 8)
            for _ in 0..<200 {
                var query = ParkingQuery()
                if Bool.random(using: &generator) {
                    query.near = .init(
                        latitude: 43.47 + Double.random(in: 0...0.03, using: &generator),
                        longitude: -1.57 + Double.random(in: 0...0.03, using: &generator),
                        radiusMetres: Double.random(in: 100...3_000, using: &generator))
                }
                if Bool.random(using: &generator) { query.freeOfCharge = Bool.random(using: &generator) }
                if Bool.random(using: &generator) { query.minimumFree = Int.random(in: 0...100, using: &generator) }
                let answered = status.carParks(query, now: now)
                let expected = query.apply(to: all)
                #expect(Set(answered.map(\.carPark.id)) == Set(expected.map(\.carPark.id)), "\(query)")
                let distances = answered.compactMap(\.distanceMetres)
                #expect(distances == distances.sorted(), "\(query)")
            }
        }
    }

    /// A page of beaches carries each beach's open alerts, as the whole list does.
    @Test func aPageOfBeachesCarriesTheirAlerts() async throws {
        try await withCity { client, daemon in
            let now = Timestamp.now
            try daemon.alerts.ingest(
                (0..<3).map {
                    Reading(
                        sensor: SensorID("o-\($0)"), metric: .overflowState, time: now.adding(seconds: -60),
                        value: OverflowState.discharging.value, received: now)
                })
            func alertsByBeach(_ items: [[String: Any]]) -> [String: [Int]] {
                Dictionary(
                    uniqueKeysWithValues: items.map {
                        ($0["id"] as! String, ($0["alerts"] as? [[String: Any]] ?? []).map { $0["id"] as! Int })
                    })
            }
            let whole =
                try JSONSerialization.jsonObject(with: try await client.raw("/v1/beaches").body) as! [String: Any]
            var paged: [[String: Any]] = []
            var cursor: String?
            repeat {
                let reply = try await client.raw("/v1/beaches?limit=4" + (cursor.map { "&cursor=\($0)" } ?? ""))
                let document = try JSONSerialization.jsonObject(with: reply.body) as! [String: Any]
                paged += document["items"] as! [[String: Any]]
                cursor = document["next_cursor"] as? String
            } while cursor != nil
            let expected = alertsByBeach(whole["items"] as! [[String: Any]])
            #expect(alertsByBeach(paged) == expected)
            #expect(expected.values.filter { !$0.isEmpty }.count == 6, "three outfalls, two beaches each")
        }
    }

    @Test func badPageParametersAreRefusedWithTheirReason() async throws {
        try await withCity { client, _ in
            for (query, word) in [
                ("limit=0", "limit"), ("limit=1001", "limit"), ("limit=ten", "limit"), ("cursor=abc", "cursor"),
                ("cursor=1_2_3", "cursor"), ("cursor=-1_2", "cursor"), ("cursor=99999999999999999999_1", "cursor"),
                ("bbox=-1.6,43.4,-1.5", "bbox"), ("bbox=-1.5,43.4,-1.6,43.5", "bbox"), ("bbox=0,95,1,96", "bbox"),
            ] {
                for path in ["/v1/parking", "/v1/beaches"] {
                    let reply = try await client.raw("\(path)?\(query)")
                    #expect(reply.status == 400, "\(path)?\(query)")
                    let detail = (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["detail"]
                    #expect((detail as? String)?.contains(word) == true, "\(path)?\(query)")
                }
            }
        }
    }
}
