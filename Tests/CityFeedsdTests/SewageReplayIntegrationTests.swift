import FeedCore
import Foundation
import Ingest
import Logging
import ServiceLifecycle
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// Southern Water's storm-overflow events near bathing waters (two months of 2022 kept in the repository, the
/// whole of 2021–2023 when the data sets are beside it), replayed as outfall states through a real
/// broker into the daemon, on the real clock (years after the events: every reading is history). The alerts it
/// raises, read back over HTTP, must be exactly what the events imply under the 48 h rule: on every bathing
/// site an outfall reaches, one alert per run of spills whose holds overlap, from the first start to 48 h after
/// the last stop; never two alerts of one site open at the same instant.
///
/// "Not Genuine" events are left out at the source, as the water company's public feed drops them once
/// reviewed; the operator's "not genuine" marking of an alert the daemon did raise is tested separately.
@Suite(.serialized) struct SewageReplayIntegrationTests {
    static let hold = 48.0 * 3_600

    struct Event {
        var id: String
        var site: String
        var outfall: String
        var start: Timestamp
        var stop: Timestamp
        var genuine: Bool
    }

    static func events(_ file: RealDataFile) throws -> [Event] {
        var seen = Set<String>()
        return try file.rows().compactMap { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: CharacterSet(charactersIn: "\""))
            }
            // The archive holds a few rows twice.
            guard fields.count >= 9, seen.insert(fields[0]).inserted,
                let start = Timestamp(rfc3339: fields[3] + "Z"), let stop = Timestamp(rfc3339: fields[4] + "Z")
            else { return nil }
            return Event(
                id: fields[0], site: slug(fields[2]), outfall: "cso-\(fields[7])", start: start, stop: stop,
                genuine: fields[6] != "Not Genuine")
        }
    }

    static func slug(_ name: String) -> String {
        String(name.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "-" })
    }

    /// One outfall's discharge runs: its events' intervals, overlapping or touching ones merged.
    static func runs(_ events: [Event]) -> [(start: Timestamp, stop: Timestamp)] {
        var runs: [(start: Timestamp, stop: Timestamp)] = []
        for event in events.sorted(by: { $0.start < $1.start }) where event.stop > event.start {
            if let last = runs.last, event.start <= last.stop {
                runs[runs.count - 1].stop = max(last.stop, event.stop)
            } else {
                runs.append((event.start, event.stop))
            }
        }
        return runs
    }

    @Test(arguments: RealDataFile.available("sewage/southern_water_cso_events_2021_2023.csv"))
    func alertsPerBathingSiteMatchTheFortyEightHourRule(file: RealDataFile) async throws {
        let events = try Self.events(file)
        // Which sites each outfall reaches: every site any of its events was reported for.
        var reaches: [String: Set<String>] = [:]
        for event in events { reaches[event.outfall, default: []].insert(event.site) }
        let runsByOutfall = Dictionary(grouping: events.filter(\.genuine), by: \.outfall).mapValues(Self.runs)

        // The expected alert windows per site, computed straight from the runs.
        var expected: [String: [(start: Timestamp, end: Timestamp)]] = [:]
        for site in Set(events.map(\.site)) {
            let spans = runsByOutfall.filter { reaches[$0.key]!.contains(site) }.values.flatMap { $0 }
                .map { (start: $0.start, end: $0.stop.adding(seconds: Self.hold)) }.sorted { $0.start < $1.start }
            var windows: [(start: Timestamp, end: Timestamp)] = []
            for span in spans {
                if let last = windows.last, span.start < last.end {
                    windows[windows.count - 1].end = max(last.end, span.end)
                } else {
                    windows.append(span)
                }
            }
            expected[site] = windows
        }

        let broker = try TestBroker()
        defer { broker.stop() }
        let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-sewage")
        var toml = """
            [city]
            name = "Southern Water"
            timezone = "Europe/London"
            [mqtt]
            client_id = "cityfeedsd-sewage-test"
            [ingest]
            max_age_days = 10000
            [storage]
            durability = "normal"
            [beach_settings]
            discharge_hold_hours = 48
            [alerts]
            status_topic = ""
            # The replay's data are years old: the wall clock ends an outfall's hold once the outfall has had
            # nothing for this long (the default, 30 s, would only make the test slower).
            backlog_quiet_seconds = 10

            """
        for site in expected.keys.sorted() {
            toml += "[[beaches]]\nid = \"\(site)\"\nname = \"\(site)\"\nlatitude = 50.8\nlongitude = -0.8\n\n"
        }
        for (outfall, sites) in reaches.sorted(by: { $0.key < $1.key }) {
            let list = sites.sorted().map { "\"\($0)\"" }.joined(separator: ", ")
            toml += "[[outfalls]]\nid = \"\(outfall)\"\nname = \"\(outfall)\"\nbeaches = [\(list)]\n\n"
        }
        let configuration = try DaemonConfiguration.parse(
            toml, file: "southern-water.toml",
            overrides: .init(
                broker: broker.address.description, httpListen: "127.0.0.1:0", dataDirectory: dataDirectory.path))
        try await runningDaemon(configuration) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }

            // Each outfall's runs as state changes, all outfalls interleaved in time order.
            var messages: [(time: Timestamp, outfall: String, state: String)] = []
            for (outfall, runs) in runsByOutfall {
                for run in runs {
                    messages.append((run.start, outfall, "discharging"))
                    messages.append((run.stop, outfall, "stopped"))
                }
            }
            messages.sort { ($0.time, $0.outfall) < ($1.time, $1.outfall) }
            let publisher = try MQTTPublisher(broker: broker.address)
            for (index, message) in messages.enumerated() {
                try publisher.publish(
                    topic: "cityfeeds/sewer/\(message.outfall)/state",
                    text: #"{"ts":"\#(message.time.iso8601)","state":"\#(message.state)"}"#)
                if index % 1_000 == 999 { publisher.waitUntilOutstanding(atMost: 500) }
            }
            #expect(publisher.waitForAcknowledgements(timeout: .seconds(60)))
            _ = try await client.waitFor("/v1/ingest", timeout: .seconds(120)) {
                ($0["messages_received"] as? Int) == messages.count
            }
            let ingest = try await client.get("/v1/ingest").json()
            #expect(ingest["messages_rejected"] as? Int == 0)
            #expect(ingest["readings_late"] as? Int == 0)

            // Once the outfalls have been quiet for backlog_quiet_seconds, the wall clock ends the last holds.
            _ = try await client.waitFor("/v1/alerts?state=active", timeout: .seconds(60)) {
                ($0["items"] as? [Any])?.isEmpty == true
            }

            var total = 0
            for (site, windows) in expected.sorted(by: { $0.key < $1.key }) {
                let reply = try await client.get("/v1/alerts?state=all&rule=sewage_discharge&beach=\(site)&limit=1000")
                    .json()
                let items = (reply["items"] as? [[String: Any]] ?? []).reversed()
                let served = items.map {
                    (
                        Timestamp(rfc3339: $0["started_at"] as? String ?? ""),
                        Timestamp(rfc3339: $0["resolved_at"] as? String ?? "")
                    )
                }
                #expect(served.count == windows.count, "\(site)")
                for (window, alert) in zip(windows, served) {
                    #expect(alert.0 == window.start && alert.1 == window.end, "\(site) \(window.start)")
                }
                for (earlier, later) in zip(served, served.dropFirst()) {
                    #expect(earlier.1 != nil && later.0 != nil && earlier.1! <= later.0!, "\(site): overlapping alerts")
                }
                total += windows.count
            }
            #expect(
                total > (file.isExcerpt ? 150 : 3_000),
                "the whole archive implies some three thousand alerts, its excerpt some hundreds")

            // As of a moment inside a window, the site had exactly that alert open; a second after its end, none
            // (unless the next one had begun).
            var generator = SeededGenerator(seed: 2021)
            let sites = expected.keys.sorted()
            for _ in 0..<40 {
                let site = sites.randomElement(using: &generator)!
                guard let window = expected[site]!.randomElement(using: &generator) else { continue }
                let inside = Timestamp(milliseconds: (window.start.milliseconds + window.end.milliseconds) / 2)
                let open = try await client.get("/v1/alerts?at=\(inside.iso8601)&beach=\(site)&rule=sewage_discharge")
                    .json()
                let items = open["items"] as? [[String: Any]] ?? []
                #expect(
                    items.count == 1 && items.first?["started_at"] as? String == window.start.iso8601,
                    "\(site) \(inside)")
                let after = window.end.adding(seconds: 1)
                let beach = try await client.get("/v1/beaches/\(site)?at=\(after.iso8601)").json()
                let stillOpen = expected[site]!.contains { $0.start <= after && after < $0.end }
                #expect(((beach["alerts"] as? [Any])?.isEmpty ?? false) == !stillOpen, "\(site) \(after)")
            }
        }
    }
}
