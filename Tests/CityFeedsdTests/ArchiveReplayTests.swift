import Alerts
import FeedCore
import Foundation
import Ingest
import Logging
import TestSupport
import Testing

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// `cityfeedsd replay` on a small spill archive: the alerts its times imply, recorded as history, and the
/// readings stored once however often the archive is loaded.
@Suite struct ArchiveReplayTests {
    @Test func aSpillArchiveGivesTheAlertsItsTimesImplyAsHistory() throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-replay")
        let configuration = try DaemonConfiguration.parse(
            """
            [city]
            name = "Test"
            timezone = "UTC"
            [ingest]
            max_age_days = 10000
            [[beaches]]
            id = "plage"
            name = "Plage"
            latitude = 43.48
            longitude = -1.56
            [[outfalls]]
            id = "port-vieux"
            name = "Port-Vieux"
            beaches = ["plage"]
            """, file: "replay.toml",
            overrides: .init(broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0", dataDirectory: directory.path))
        // Two one-hour spills 73 h apart (two alerts under the 48 h rule), then one inside the second's hold.
        let spills = """
            outfall,start,stop,status
            port-vieux,2021-07-01T10:00:00Z,2021-07-01T11:00:00Z,Genuine
            port-vieux,2021-07-04T12:00:00Z,2021-07-04T13:00:00Z,Genuine
            port-vieux,2021-07-05T12:00:00Z,2021-07-05T12:30:00Z,Genuine
            nowhere,2021-07-05T12:00:00Z,2021-07-05T12:30:00Z,Genuine
            """
        let replay = ArchiveReplay(configuration: configuration, logger: Logger(label: "replay"))
        let first = try replay.run([("spills.csv", ArchiveReader.read(spills, format: .spills))])
        #expect(first.stored == 6)
        #expect(first.rejectedByReason == [.unknownSensor: 2])
        let again = try replay.run([("spills.csv", ArchiveReader.read(spills, format: .spills))])
        #expect(again.stored == 0 && again.duplicates == 6)
        #expect(again.alertTransitions == 0)

        let alerts = try configuration.openAlerts(logger: Logger(label: "test"))
        defer { alerts.close() }
        let history = try alerts.alerts(AlertFilter(states: .all)).reversed().map {
            ($0.startedAt.iso8601, $0.resolvedAt?.iso8601)
        }
        #expect(history.map(\.0) == ["2021-07-01T10:00:00.000Z", "2021-07-04T12:00:00.000Z"])
        #expect(history.first?.1 == "2021-07-03T11:00:00.000Z")
        // The second alert's hold (until 7 July 12:30) ran out long ago, but no data say so: the daemon's wall
        // clock ends it once it runs. As of 6 July it was open, with its merged spill.
        #expect(history.last?.1 == nil)
        let open = try alerts.alerts(openAt: Timestamp(rfc3339: "2021-07-06T00:00:00Z")!)
        #expect(open.count == 1 && open.first?.spills == 2)
        let transitions = try alerts.transitions(after: 0, limit: 100)
        #expect(!transitions.isEmpty && transitions.allSatisfy { $0.late == true })
    }
}
