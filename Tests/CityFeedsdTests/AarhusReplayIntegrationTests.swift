import Alerts
import FeedCore
import Foundation
import Ingest
import Logging
import Parking
import ServiceLifecycle
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// The Aarhus car parks (a week of them kept in the repository, the whole half year when the data sets are beside
/// it), loaded with `cityfeedsd replay` (a clock
/// that follows the data), then read back over HTTP from the daemon on the real clock, as of chosen moments
/// (`?at=`): each answer equals what a live daemon served at that moment (recorded during the replay, with
/// only the data up to it), free = capacity − occupied for every garage, and the dead and stuck counters are
/// withheld and flagged rather than shown as plausible numbers.
@Suite(.serialized) struct AarhusReplayIntegrationTests {
    struct Row {
        var garage: String
        var time: Timestamp
        var occupied: Int
        var capacity: Int
    }

    static func rows(_ file: RealDataFile) throws -> [Row] {
        try file.rows().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 6, let occupied = Int(fields[1]), let capacity = Int(fields[4]),
                let time = Timestamp(rfc3339: fields[2].replacingOccurrences(of: " ", with: "T") + "Z")
            else { return nil }
            return Row(garage: fields[5].lowercased(), time: time, occupied: occupied, capacity: capacity)
        }
    }

    @Test(arguments: RealDataFile.available("parking/aarhus_parking.csv"))
    func replayedHistoryAnswersAsOfAnyMomentAsLiveOperationDid(file: RealDataFile) async throws {
        let rows = try Self.rows(file)
        let capacities = Dictionary(rows.map { ($0.garage, $0.capacity) }, uniquingKeysWith: max)
        let broker = try TestBroker()
        defer { broker.stop() }
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-aarhus")
        var toml = """
            [city]
            name = "Aarhus"
            timezone = "UTC"
            [mqtt]
            client_id = "cityfeedsd-aarhus-test"
            [ingest]
            max_age_days = 10000
            [storage.classes.parking]
            raw = 8000

            """
        for (garage, capacity) in capacities.sorted(by: { $0.key < $1.key }) {
            toml += """
                [[car_parks]]
                id = "\(garage)"
                name = "\(garage)"
                latitude = 56.15
                longitude = 10.2
                capacity = \(capacity)
                has_fee = true

                """
        }
        let configuration = try DaemonConfiguration.parse(
            toml, file: "aarhus.toml",
            overrides: .init(
                broker: broker.address.description, httpListen: "127.0.0.1:0", dataDirectory: dataDirectory.path))

        // The archive in the replay's native CSV: one reading per row.
        var archive = "sensor,metric,time,value\n"
        for row in rows { archive += "\(row.garage),occupied,\(row.time.iso8601),\(row.occupied)\n" }
        let contents = ArchiveReader.read(archive, format: .csv)
        #expect(contents.rejected.isEmpty)

        // What a live daemon would have served at each checkpoint: the moment just before the next batch, when
        // every older reading is in and none newer.
        var live: [(moment: Timestamp, garage: String, body: Data)] = []
        let summary = try ArchiveReplay(configuration: configuration, logger: Logger(label: "replay")).run(
            [("aarhus.csv", contents)],
            checkpoint: { time, store, alerts in
                let moment = time.adding(seconds: -1)
                let status = CityStatus(configuration: configuration, store: store, alerts: alerts)
                for carPark in configuration.carParks {
                    live.append(
                        (
                            moment, carPark.id,
                            try HTTPAPI.encoder.encode(
                                Contract.CarParkDetail(status.carParkDetail(carPark, now: moment)))
                        ))
                }
            })
        // Counts above 1.1 × capacity are impossible: rejected with a reason, never stored.
        let impossible = rows.filter { Double($0.occupied) > 1.1 * Double(capacities[$0.garage]!) }
        #expect(summary.rejectedByReason[.aboveMaximum] == impossible.count)
        #expect(!impossible.isEmpty)
        #expect(summary.stored + summary.duplicates + impossible.count == rows.count)
        #expect(live.count > (file.isExcerpt ? 20 : 100))

        try await runningDaemon(configuration) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            var compared = 0
            for (moment, garage, body) in live {
                let served = try await client.get("/v1/parking/\(garage)?at=\(moment.iso8601)")
                #expect(served.status == 200)
                let expected = try JSONSerialization.jsonObject(with: body) as! NSDictionary
                let answer = try JSONSerialization.jsonObject(with: served.body) as! NSDictionary
                #expect(answer == expected, "\(garage) at \(moment)")
                compared += 1
            }
            #expect(compared == live.count)

            // What the data says as of a moment: each garage's first accepted reading of its latest second, and
            // whether the day before it was a single repeated count.
            var byGarage: [String: [Row]] = [:]
            for row in rows where Double(row.occupied) <= 1.1 * Double(capacities[row.garage]!) {
                byGarage[row.garage, default: []].append(row)
            }
            for key in byGarage.keys { byGarage[key]!.sort { $0.time < $1.time } }
            // Eight moments spread over the data's span, from a day before its end backwards.
            let end = rows.map(\.time).max()!
            let spanDays = end.seconds(since: rows.map(\.time).min()!) / 86_400
            var flagged = 0
            var checked = 0
            for daysBack in stride(from: 1.0, through: spanDays, by: spanDays / 8) {
                let now = end.adding(seconds: -daysBack * 86_400 + 60)
                for garage in byGarage.keys.sorted() {
                    let item =
                        try await client.get("/v1/parking/\(garage)?at=\(now.iso8601)").json()["car_park"]
                        as! [String: Any]
                    let history = byGarage[garage]!.filter { $0.time <= now }
                    guard let last = history.last, now.seconds(since: last.time) <= 1_800 else { continue }
                    let lastSecond = last.time.milliseconds / 1_000
                    let first = history.first { $0.time.milliseconds / 1_000 == lastSecond }!
                    let day = history.filter { now.seconds(since: $0.time) <= 86_400 }
                    let constant =
                        day.count >= 12 && day.last!.time.seconds(since: day.first!.time) >= 20 * 3_600
                        && Set(day.map(\.occupied)).count == 1
                    if constant {
                        flagged += 1
                        #expect(
                            item["data_quality"] as? String == (first.occupied == 0 ? "dead" : "stuck"),
                            "\(garage) \(now)")
                        #expect(item["realtime_free_capacity"] is NSNull, "\(garage) \(now)")
                    } else {
                        checked += 1
                        let capacity = item["capacity"] as! Int
                        let occupied = min(max(first.occupied, 0), capacity)
                        #expect(item["realtime_free_capacity"] as? Int == capacity - occupied, "\(garage) \(now)")
                        #expect(
                            (item["realtime_free_capacity"] as? Int ?? 0) + (item["realtime_occupied"] as? Int ?? 0)
                                == capacity)
                    }
                }
            }
            #expect(checked > 20)
            #expect(flagged > 0, "the data set's dead and stuck counters must show up as such")
            // Read now, on the real clock, the archive is years old: every figure is withheld, none made up.
            let current = try await client.get("/v1/parking").json()["items"] as? [[String: Any]] ?? []
            #expect(current.count == capacities.count)
            #expect(current.allSatisfy { $0["has_realtime_data"] as? Bool == false })
            let future = try await client.get("/v1/parking/\(byGarage.keys.sorted()[0])?at=9999-01-01T00:00:00Z")
            #expect(future.status == 400)
        }
    }
}
