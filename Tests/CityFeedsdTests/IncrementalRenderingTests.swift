import Alerts
import Beaches
import FeedCore
import Foundation
import Logging
import Parking
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// The polled lists are made of each item's kept rendering: they must give, byte for byte, what rendering the
/// whole city at that moment gives, while computing again only the items whose data, alerts or clock moments
/// changed. And `/v1/status` stays small whatever the city's size.
@Suite struct IncrementalRenderingTests {
    /// The documents as a whole rendering makes them: every item computed at `time`.
    static func whole(_ document: PolledDocument, _ status: CityStatus, at time: Timestamp) throws -> [UInt8] {
        let encoder = HTTPAPI.encoder
        let carParks = status.carParks(now: time).map(Contract.CarPark.init)
        let beaches = status.beaches(now: time).map(Contract.Beach.init)
        switch document {
        case .parking:
            return Array(try encoder.encode(Contract.CarParkList(generatedAt: time.iso8601, items: carParks)))
        case .parkingGeoJSON:
            return Array(try encoder.encode(Contract.FeatureCollection(carParks: carParks)))
        case .beaches:
            return Array(try encoder.encode(Contract.BeachList(generatedAt: time.iso8601, items: beaches)))
        case .district(let id):
            let district = try #require(status.configuration.districts.first { $0.id == id })
            let parks = district.carParks.map { carParks[$0] }
            let live = parks.filter(\.hasRealtimeData)
            let ids = Set(district.beaches.map { status.configuration.beaches[$0].id })
            return Array(
                try encoder.encode(
                    Contract.District(
                        alerts: status.activeAlerts().filter { !ids.isDisjoint(with: $0.beaches) }.map(
                            Contract.Alert.init),
                        beaches: district.beaches.map { beaches[$0] }, carParks: parks, generatedAt: time.iso8601,
                        id: district.id, name: district.name,
                        parking: Contract.ParkingTotals(
                            carParks: parks.count, totalFree: live.compactMap(\.realtimeFreeCapacity).reduce(0, +),
                            withRealtimeData: live.count))))
        default:
            Issue.record("no whole rendering for \(document)")
            return []
        }
    }

    static let documents: [PolledDocument] = [
        .parking, .parkingGeoJSON, .beaches, .district("centre"), .district("cote-des-basques"),
    ]

    /// Renders every list at `time` and checks each against the whole rendering; returns the items computed.
    static func checkAll(_ daemon: Daemon, at time: Timestamp, _ comment: String) throws -> Int {
        let api = daemon.api
        let before = api.items.itemsComputed
        for document in documents {
            let status = api.statusSource.value
            let rendered = api.render(document, status: status, generation: api.statusSource.generation, now: time)
            let expected = try whole(document, status, at: time)
            #expect(
                String(decoding: rendered, as: UTF8.self) == String(decoding: expected, as: UTF8.self),
                "\(document) \(comment)")
        }
        return api.items.itemsComputed - before
    }

    @Test func listsAreTheWholeRenderingComputingOnlyWhatChanged() async throws {
        try await daemonInMemory { _, daemon in
            // A moment 5 s into a minute of the past hour, so that the steps below stay within the minute.
            let minute = (Timestamp.now.milliseconds / 60_000 - 30) * 60_000
            let start = Timestamp(milliseconds: minute + 5_000)
            func reading(_ sensor: SensorID, _ metric: Metric, _ secondsBefore: Double, _ value: Double) -> Reading {
                let time = start.adding(seconds: -secondsBefore)
                return Reading(sensor: sensor, metric: metric, time: time, value: value, received: time)
            }
            let sewage = [
                reading("outfall-port-vieux", .overflowState, 3_600, 1),
                reading("outfall-port-vieux", .overflowState, 1_800, 0),
            ]
            _ = try daemon.store.append(
                [
                    reading("casino", .occupied, 300, 120),
                    // 30 min is the cut-off: stale 20 s after `start`.
                    reading("sainte-eugenie", .occupied, 1_780, 200),
                    reading("gare-du-midi", .free, 60, 15),
                    reading("probe-grande-plage", .ecoli, 7_200, 80),
                    reading("probe-milady", .enterococci, 7_000, 40),
                    reading("probe-milady", .turbidity, 600, 2.5),
                ] + sewage)
            try daemon.alerts.ingest(sewage)
            let carParks = daemon.configuration.carParks.count
            let beaches = daemon.configuration.beaches.count

            // The first rendering computes each item once, however many lists carry it.
            #expect(try Self.checkAll(daemon, at: start, "first") == carParks + beaches)
            // Ten seconds on, nothing new: the ages move, nothing is computed.
            #expect(try Self.checkAll(daemon, at: start.adding(seconds: 10), "unchanged") == 0)
            // A reading of one car park: that car park alone.
            _ = try daemon.store.append([reading("casino", .occupied, -12, 130)])
            #expect(try Self.checkAll(daemon, at: start.adding(seconds: 15), "one reading") == 1)
            // Sainte-Eugénie's figures go stale: computed again at that moment, not at the next minute.
            #expect(try Self.checkAll(daemon, at: start.adding(seconds: 21), "stale") == 1)
            // A sample at Milady: that beach alone.
            _ = try daemon.store.append([reading("probe-milady", .ecoli, -25, 30)])
            #expect(try Self.checkAll(daemon, at: start.adding(seconds: 30), "one sample") == 1)
            // A discharge at Port Vieux: the two beaches it reaches.
            let spill = [reading("outfall-port-vieux", .overflowState, -32, 1)]
            _ = try daemon.store.append(spill)
            try daemon.alerts.ingest(spill)
            #expect(try Self.checkAll(daemon, at: start.adding(seconds: 35), "discharge") == 2)
            // The next minute: everything once (opening hours, forecasts and sliding windows move by the minute).
            #expect(try Self.checkAll(daemon, at: start.adding(seconds: 60), "next minute") == carParks + beaches)
        }
    }

    @Test func theSummaryStaysSmallWhateverTheCitysSize() async throws {
        func summary(carParks: Int) throws -> (bytes: [UInt8], document: [String: Any]) {
            var toml = "[city]\nname = \"Size\"\n[[districts]]\nid = \"all\"\nname = \"All\"\n"
            for index in 0..<carParks {
                toml += "[[car_parks]]\nid = \"cp-\(index)\"\nname = \"Car park \(index)\"\ndistrict = \"all\"\n"
                toml += "latitude = 43.48\nlongitude = -1.56\ncapacity = 100\nhas_fee = true\n"
            }
            let directory = try makeTemporaryDirectory(prefix: "cityfeeds-size")
            let configuration = try DaemonConfiguration.parse(
                toml, file: "size.toml",
                overrides: .init(broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0", dataDirectory: directory.path)
            )
            let daemon = try Daemon(configuration: configuration, logger: Logger(label: "size-test"))
            defer { daemon.close() }
            let time = Timestamp.now
            _ = try daemon.store.append(
                (0..<carParks).map {
                    Reading(sensor: SensorID("cp-\($0)"), metric: .occupied, time: time, value: 40, received: time)
                })
            let api = daemon.api
            let bytes = api.render(
                PolledDocument.status, status: api.status, generation: api.statusSource.generation, now: time)
            return (bytes, try JSONSerialization.jsonObject(with: Data(bytes)) as! [String: Any])
        }
        let small = try summary(carParks: 3)
        let large = try summary(carParks: 3_000)
        // The counts grow by a few digits; nothing else does.
        #expect(large.bytes.count - small.bytes.count <= 12)
        #expect(large.bytes.count < 1_024)
        #expect((large.document["parking"] as? [String: Any])?["total_free"] as? Int == 3_000 * 60)
        #expect((large.document["parking"] as? [String: Any])?["with_realtime_data"] as? Int == 3_000)
        #expect(large.document["districts"] as? Int == 1)
    }

    @Test func theDistrictListCountsWhatEachDistrictHolds() async throws {
        try await daemonInMemory { client, _ in
            func json(_ path: String) async throws -> [String: Any] {
                let reply = try await client.raw(path)
                #expect(reply.status == 200, "\(path)")
                return try JSONSerialization.jsonObject(with: reply.body) as! [String: Any]
            }
            let list = try await json("/v1/districts")
            let items = try #require(list["items"] as? [[String: Any]])
            #expect(items.compactMap { $0["id"] as? String } == ["centre", "cote-des-basques", "iraty-aguilera"])
            for item in items {
                let id = try #require(item["id"] as? String)
                let district = try await json("/v1/districts/\(id)")
                #expect(district["name"] as? String == item["name"] as? String)
                let parking = try #require(item["parking"] as? [String: Any])
                #expect(parking["car_parks"] as? Int == (district["car_parks"] as? [Any])?.count)
                #expect(
                    (item["beaches"] as? [String: Any])?["beaches"] as? Int == (district["beaches"] as? [Any])?.count)
                #expect(
                    (district["car_parks"] as? [[String: Any]])?.allSatisfy { $0["district"] as? String == id } == true)
            }
        }
    }
}
