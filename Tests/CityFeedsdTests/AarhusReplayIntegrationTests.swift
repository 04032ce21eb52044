import FeedCore
import Foundation
import Ingest
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import TimeSeries

@testable import CityFeedsd

/// The Aarhus car parks (../shared/data/parking/aarhus_parking.csv) replayed through a real broker into the
/// daemon, then read back over HTTP as of chosen moments: free = capacity − occupied for every garage, and the
/// dead and stuck counters withheld and flagged rather than shown as plausible numbers.
@Suite(.serialized) struct AarhusReplayIntegrationTests {
    static let csv = repositoryRoot.deletingLastPathComponent().appending(path: "shared/data/parking/aarhus_parking.csv")

    struct Row {
        var garage: String
        var time: Timestamp
        var occupied: Int
        var capacity: Int
    }

    static func rows() throws -> [Row] {
        let text = try String(contentsOf: csv, encoding: .utf8)
        return text.split(whereSeparator: \.isNewline).dropFirst().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count >= 6, let occupied = Int(fields[1]), let capacity = Int(fields[4]),
                let time = Timestamp(rfc3339: fields[2].replacingOccurrences(of: " ", with: "T") + "Z")
            else { return nil }
            return Row(garage: fields[5].lowercased(), time: time, occupied: occupied, capacity: capacity)
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: csv.path)))
    func servedFreeSpacesMatchTheDataAndBadCountersAreFlagged() async throws {
        let rows = try Self.rows()
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
            overrides: .init(broker: broker.address.description, httpListen: "127.0.0.1:0", dataDirectory: dataDirectory.path))
        let clock = Mutex(Timestamp.now)
        try await runningDaemon(configuration, now: { clock.withLock { $0 } }) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            try await Task.sleep(for: .milliseconds(200))

            let publisher = try MQTTPublisher(broker: broker.address)
            for (index, row) in rows.enumerated() {
                try publisher.publish(
                    topic: "cityfeeds/parking/\(row.garage)/occupancy",
                    text: #"{"ts":"\#(row.time.iso8601)","occupied":\#(row.occupied)}"#)
                if index % 1_000 == 999 { publisher.waitUntilOutstanding(atMost: 500) }
            }
            #expect(publisher.waitForAcknowledgements(timeout: .seconds(60)))
            _ = try await client.waitFor("/v1/ingest", timeout: .seconds(60)) {
                ($0["messages_received"] as? Int) == rows.count
            }

            // Counts above 1.1 × capacity are impossible: rejected with a reason, never served.
            let impossible = rows.filter { Double($0.occupied) > 1.1 * Double(capacities[$0.garage]!) }
            let ingest = try await client.get("/v1/ingest").json()
            #expect((ingest["rejections_by_reason"] as? [String: Int])?["above_maximum"] == impossible.count)
            #expect(!impossible.isEmpty)

            // What the data says as of a moment: each garage's first accepted reading of its latest second, and
            // whether the day before it was a single repeated count.
            var byGarage: [String: [Row]] = [:]
            for row in rows where Double(row.occupied) <= 1.1 * Double(capacities[row.garage]!) {
                byGarage[row.garage, default: []].append(row)
            }
            for key in byGarage.keys { byGarage[key]!.sort { $0.time < $1.time } }
            let end = rows.map(\.time).max()!
            var flagged = 0
            var checked = 0
            for daysBack in stride(from: 1.0, through: 120, by: 17) {
                let moment = end.adding(seconds: -daysBack * 86_400)
                let now = moment.adding(seconds: 60)
                clock.withLock { $0 = now }
                let parking = try await client.get("/v1/parking").json()
                for item in parking["items"] as? [[String: Any]] ?? [] {
                    let garage = item["id"] as! String
                    let history = byGarage[garage]!.filter { $0.time <= now }
                    guard let last = history.last, now.seconds(since: last.time) <= 1_800 else { continue }
                    let lastSecond = last.time.milliseconds / 1_000
                    let first = history.first { $0.time.milliseconds / 1_000 == lastSecond }!
                    let day = history.filter { now.seconds(since: $0.time) <= 86_400 }
                    let constant = day.count >= 12 && day.last!.time.seconds(since: day.first!.time) >= 20 * 3_600
                        && Set(day.map(\.occupied)).count == 1
                    if constant {
                        flagged += 1
                        #expect(item["data_quality"] as? String == (first.occupied == 0 ? "dead" : "stuck"), "\(garage) \(now)")
                        #expect(item["realtime_free_capacity"] is NSNull, "\(garage) \(now)")
                    } else {
                        checked += 1
                        let capacity = item["capacity"] as! Int
                        let occupied = min(max(first.occupied, 0), capacity)
                        #expect(item["realtime_free_capacity"] as? Int == capacity - occupied, "\(garage) \(now)")
                        #expect((item["realtime_free_capacity"] as? Int ?? 0) + (item["realtime_occupied"] as? Int ?? 0) == capacity)
                    }
                }
            }
            #expect(checked > 20)
            #expect(flagged > 0, "the data set's dead and stuck counters must show up as such")
        }
    }
}
