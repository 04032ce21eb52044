import FeedCore
import Foundation
import Ingest
import Logging
import Parking
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// Runs the daemon on the sample configuration with `brokerURL`, in process, for the duration of `body`
/// (given an HTTP client for it), then shuts it down gracefully.
func runningDaemon(
    brokerURL: String, adjust: (inout DaemonConfiguration) -> Void = { _ in }, _ body: (HTTPClient) async throws -> Void
) async throws {
    let dataDirectory = try makeTemporaryDirectory(prefix: "cityfeeds-daemon")
    var configuration = try DaemonConfiguration.load(
        path: repositoryRoot.appending(path: "config/biarritz.toml").path,
        overrides: .init(broker: brokerURL, httpListen: "127.0.0.1:0", dataDirectory: dataDirectory.path))
    adjust(&configuration)
    try await runningDaemon(configuration, body)
}

/// Runs the daemon on `configuration` in process, with the clock `now`, for the duration of `body`, then shuts
/// it down gracefully (also when `body` throws).
func runningDaemon(
    _ configuration: DaemonConfiguration, now: @escaping @Sendable () -> Timestamp = { .now },
    _ body: (HTTPClient) async throws -> Void
) async throws {
    try await runningDaemon(configuration, now: now) { client, _ in try await body(client) }
}

/// The same, handing `body` the daemon too (to feed its parts directly).
func runningDaemon(
    _ configuration: DaemonConfiguration, now: @escaping @Sendable () -> Timestamp = { .now },
    _ body: (HTTPClient, Daemon) async throws -> Void
) async throws {
    let port = Mutex<Int?>(nil)
    let logger = Logger(label: "daemon-test")
    let daemon = try Daemon(
        configuration: configuration, logger: logger, now: now, onListening: { value in port.withLock { $0 = value } })
    let group = ServiceGroup(
        configuration: .init(services: [daemon.application], gracefulShutdownSignals: [], logger: logger))
    let running = Task { try await group.run() }
    defer { daemon.close() }
    do {
        let deadline = ContinuousClock.now + .seconds(10)
        while port.withLock({ $0 }) == nil && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
        }
        try await body(HTTPClient(port: try #require(port.withLock { $0 })), daemon)
    } catch {
        await group.triggerGracefulShutdown()
        try? await running.value
        throw error
    }
    await group.triggerGracefulShutdown()
    try await running.value
}

/// The whole daemon in process, on the Biarritz sample configuration, against a real broker, checked through
/// real HTTP requests.
@Suite(.serialized) struct DaemonIntegrationTests {
    let logger = Logger(label: "daemon-test")

    /// Runs the daemon connected to `broker` and hands `body` an HTTP client and a publisher.
    func withDaemon(
        broker: TestBroker, _ body: (HTTPClient, MQTTPublisher) async throws -> Void
    ) async throws {
        try await runningDaemon(brokerURL: broker.address.description) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            // Subscriptions are sent with the CONNACK; let the SUBACK land before publishing.
            try await body(client, try MQTTPublisher(broker: broker.address))
        }
    }

    func carPark(_ json: [String: Any], _ id: String) -> [String: Any]? {
        (json["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
    }

    @Test func publishedOccupancyBecomesFreeSpacesOverHTTP() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await withDaemon(broker: broker) { client, publisher in
            let before = try await client.get("/v1/parking").json()
            #expect(carPark(before, "casino")?["status"] as? String == "unknown")
            #expect(carPark(before, "casino")?["has_realtime_data"] as? Bool == false)

            let ts = Timestamp.now.adding(seconds: -5).iso8601
            try publisher.publish(topic: "cityfeeds/parking/casino/occupancy", text: #"{"ts":"\#(ts)","occupied":341}"#)
            try publisher.publish(topic: "cityfeeds/parking/halle-iraty/occupied", text: "500")
            #expect(publisher.waitForAcknowledgements())

            let parking = try await client.waitFor("/v1/parking") {
                carPark($0, "casino")?["realtime_free_capacity"] as? Int == 59
                    && carPark($0, "halle-iraty")?["status"] as? String == "full"
            }
            let casino = try #require(carPark(parking, "casino"))
            #expect(casino["capacity"] as? Int == 400)
            #expect(casino["realtime_occupied"] as? Int == 341)
            #expect(casino["has_realtime_data"] as? Bool == true)
            #expect((casino["tariffs"] as? [String: Double])?["1h"] == 2.4)
            #expect(casino["capacity_disabled"] as? Int == 8)
            #expect(casino["realtime_opening_status"] as? String == "OPEN")
            #expect(carPark(parking, "gare-du-midi")?["opening_hours"] as? String == "Mo-Su 06:30-23:30")
            #expect(carPark(parking, "halle-iraty")?["realtime_free_capacity"] as? Int == 0)
            #expect((parking["items"] as? [Any])?.count == 6)

            let detail = try await client.get("/v1/parking/casino").json()
            #expect((detail["history"] as? [[String: Any]])?.last?["free"] as? Int == 59)

            let missing = try await client.get("/v1/parking/nowhere")
            #expect(missing.status == 404)
            #expect(missing.headers["content-type"] == "application/problem+json")
        }
    }

    /// The README's request: free car parks within 1 km that a 2.10 m van fits under.
    @Test func parkingQueriesFilterSortAndMap() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await withDaemon(broker: broker) { client, publisher in
            let ts = Timestamp.now.iso8601
            for (carPark, occupied) in [
                ("halle-iraty", 120), ("aguilera", 400), ("casino", 10), ("sainte-eugenie", 250),
            ] {
                try publisher.publish(
                    topic: "cityfeeds/parking/\(carPark)/occupancy", text: #"{"ts":"\#(ts)","occupied":\#(occupied)}"#)
            }
            #expect(publisher.waitForAcknowledgements())
            _ = try await client.waitFor("/v1/parking?min_free=1") { ($0["items"] as? [Any])?.count == 4 }

            // From the Halle d'Iraty: Aguilera (free, open air) is within 1 km, the town-centre ones are not.
            let van = try await client.get(
                "/v1/parking?lat=43.4689&lon=-1.5437&radius=1000&vehicle_height=2.10&free_of_charge=true"
            ).json()
            let items = van["items"] as? [[String: Any]] ?? []
            #expect(items.map { $0["id"] as? String } == ["halle-iraty", "aguilera"])
            #expect(items.first?["distance"] as? Double == 0)
            #expect((items.last?["distance"] as? Double ?? 0) > 0)
            #expect(items.last?["realtime_free_capacity"] as? Int == 50)

            // Within 1 km of the Casino, only car parks a 2.10 m van fits under: not the 1.90 m ones.
            let centre = try await client.get("/v1/parking?lat=43.4839&lon=-1.5578&radius=1000&vehicle_height=210")
                .json()
            #expect((centre["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [])
            let low = try await client.get("/v1/parking?lat=43.4839&lon=-1.5578&radius=1000&max_height=1.85").json()
            #expect((low["items"] as? [Any])?.count == 4)

            let geo = try await client.get("/v1/parking.geojson?free_of_charge=true")
            #expect(geo.headers["content-type"] == "application/geo+json")
            let collection = try geo.json()
            #expect(collection["type"] as? String == "FeatureCollection")
            let features = collection["features"] as? [[String: Any]] ?? []
            #expect(features.count == 2)
            let geometry = features.first?["geometry"] as? [String: Any]
            #expect((geometry?["coordinates"] as? [Double])?.first == -1.5437)
            #expect(
                try await client.get("/v1/parking?free_of_charge=true", headers: ["Accept": "application/geo+json"])
                    .headers["content-type"] == "application/geo+json")

            for bad in [
                "lat=43", "lat=abc&lon=1", "lat=43&lon=-1&radius=0", "bbox=1,2,3", "free_of_charge=maybe",
                "min_free=-1", "type=BOAT", "vehicle_height=9000",
            ] {
                let reply = try await client.get("/v1/parking?\(bad)")
                #expect(reply.status == 400, "\(bad)")
                #expect(reply.headers["content-type"] == "application/problem+json")
            }
        }
    }

    /// Clemenceau is counted by entry and exit loops; an operator's count recalibrates it, behind a token.
    @Test func anEntryExitCounterAndTheOperatorsCount() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        let token = "operator-token-for-tests-0123456789"
        try await runningDaemon(brokerURL: broker.address.description, adjust: { $0.http.operatorToken = token }) {
            client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            let publisher = try MQTTPublisher(broker: broker.address)
            let ts = Timestamp.now.iso8601
            try publisher.publish(
                topic: "cityfeeds/parking/clemenceau/occupancy", text: #"{"ts":"\#(ts)","entries":340,"exits":3}"#)
            #expect(publisher.waitForAcknowledgements())
            // 25 overnight + 340 - 3 overflows the 350 spaces: snapped to 350 (drift 12) and recorded.
            let counted = try await client.waitFor("/v1/parking/clemenceau") {
                ($0["car_park"] as? [String: Any])?["realtime_occupied"] as? Int == 350
            }
            let counter = counted["counter"] as? [String: Any]
            #expect(counter?["drift"] as? Int == 12)
            #expect((counter?["calibrations"] as? [[String: Any]])?.first?["raw"] as? Int == 362)

            let unauthorised = try await client.post("/v1/parking/clemenceau/occupancy", json: #"{"occupied":120}"#)
            #expect(unauthorised.status == 401)
            let wrong = try await client.post(
                "/v1/parking/clemenceau/occupancy", json: #"{"occupied":120}"#,
                headers: ["Authorization": "Bearer nope"])
            #expect(wrong.status == 401)
            let absolute = try await client.post(
                "/v1/parking/casino/occupancy", json: #"{"occupied":120}"#,
                headers: ["Authorization": "Bearer \(token)"])
            #expect(absolute.status == 409)
            let tooMany = try await client.post(
                "/v1/parking/clemenceau/occupancy", json: #"{"occupied":351}"#,
                headers: ["Authorization": "Bearer \(token)"])
            #expect(tooMany.status == 400)
            let set = try await client.post(
                "/v1/parking/clemenceau/occupancy", json: #"{"occupied":120}"#,
                headers: ["Authorization": "Bearer \(token)"])
            #expect(set.status == 200)
            #expect(try set.json()["realtime_occupied"] as? Int == 120)

            // Memory keeps whole seconds: a report in the same second as the operator's count would tie with it.
            try await Task.sleep(for: .milliseconds(1_100))
            try publisher.publish(
                topic: "cityfeeds/parking/clemenceau/occupancy",
                text: #"{"ts":"\#(Timestamp.now.iso8601)","entries":5,"exits":2}"#)
            #expect(publisher.waitForAcknowledgements())
            _ = try await client.waitFor("/v1/parking/clemenceau") {
                ($0["car_park"] as? [String: Any])?["realtime_occupied"] as? Int == 123
            }
        }
    }

    /// A car park with one detector per space, behind The Things Stack: free is what detectors see vacant.
    @Test func perSpaceDetectorsBehindTheThingsStack() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await runningDaemon(
            brokerURL: broker.address.description,
            adjust: { configuration in
                var lot = CarPark(
                    id: "port-vieux-surface", name: "Port Vieux", type: .offStreetParkingGround, latitude: 43.4826,
                    longitude: -1.5640, capacity: 4, hasFee: true, sensor: "port-vieux-surface")
                lot.spaceSensors = SpaceSensors(
                    spaces: ["pv-1", "pv-2", "pv-3", "pv-4"], heartbeatSeconds: 3_600,
                    zones: [("seafront", ["pv-1", "pv-2"]), ("back", ["pv-3", "pv-4"])])
                configuration.parking.carParks.append(lot)
                configuration.ingest.aliases["eui-pv-2"] = "pv-2"
            }
        ) { client in
            _ = try await client.waitFor("/healthz") { ($0["ready"] as? Bool) == true }
            let publisher = try MQTTPublisher(broker: broker.address)
            let ts = Timestamp.now.iso8601
            try publisher.publish(topic: "cityfeeds/parking/pv-1/occupancy", text: #"{"ts":"\#(ts)","occupied":false}"#)
            try publisher.publish(
                topic: "v3/biarritz@ttn/devices/eui-pv-2/up",
                text:
                    #"{"received_at":"\#(ts)","uplink_message":{"f_cnt":7,"decoded_payload":{"occupancy":"occupied"}}}"#
            )
            try publisher.publish(topic: "cityfeeds/parking/pv-3/occupancy", text: #"{"ts":"\#(ts)","status":"free"}"#)
            // pv-4 never reports: unknown, so counted as taken.
            #expect(publisher.waitForAcknowledgements())
            let lot =
                try await client.waitFor("/v1/parking/port-vieux-surface") {
                    ($0["car_park"] as? [String: Any])?["realtime_free_capacity"] as? Int == 2
                }["car_park"] as? [String: Any]
            #expect(lot?["realtime_occupied"] as? Int == 2)
            #expect(lot?["unknown_spaces"] as? Int == 1)
            let zones = lot?["zones"] as? [[String: Any]]
            #expect(zones?.map { $0["id"] as? String } == ["seafront", "back"])
            #expect(zones?.map { $0["realtime_free_capacity"] as? Int } == [1, 1])
            #expect(zones?.map { $0["unknown"] as? Int } == [0, 1])
        }
    }

    @Test func seriesAreServedRawAndInStepsAsJSONAndCSV() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await withDaemon(broker: broker) { client, publisher in
            // Every 10 minutes for the last 3 hours, on whole minutes.
            let end = Timestamp(milliseconds: Timestamp.now.milliseconds / 60_000 * 60_000)
            let times = (0..<18).map { end.adding(seconds: -Double(17 - $0) * 600) }
            let batch = times.enumerated().map { #"{"ts":"\#($1.iso8601)","occupied":\#(100 + $0 * 10)}"# }
            try publisher.publish(
                topic: "cityfeeds/parking/casino/occupancy", text: "[\(batch.joined(separator: ","))]")
            #expect(publisher.waitForAcknowledgements())
            let from = times[0].iso8601
            let raw = try await client.waitFor("/v1/series/casino/occupied?from=\(from)") {
                ($0["points"] as? [Any])?.count == 18
            }
            let points = raw["points"] as? [[String: Any]]
            #expect(points?.first?["value"] as? Double == 100)
            #expect(points?.last?["value"] as? Double == 270)

            let hourly = try await client.get("/v1/series/casino/occupied?from=\(from)&to=\(end.iso8601)&step=1h")
                .json()
            let steps = hourly["points"] as? [[String: Any]] ?? []
            #expect(hourly["step"] as? Int == 3_600)
            #expect(steps.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } == 18)
            #expect(steps.compactMap { $0["max"] as? Double }.max() == 270)

            let csv = try await client.get("/v1/series/casino/occupied?from=\(from)", headers: ["Accept": "text/csv"])
            #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
            let lines = String(decoding: csv.body, as: UTF8.self).split(separator: "\r\n")
            #expect(lines.first == "time,value")
            #expect(lines.count == 19)
            #expect(lines.last?.hasSuffix(",270") == true)

            #expect(try await client.get("/v1/series/casino/occupied?step=never").status == 400)
            #expect(try await client.get("/v1/series/casino/occupied?from=yesterday").status == 400)
            #expect(try await client.get("/v1/series/casino/occupied?step=1s&from=0").status == 400)
            // Numbers chosen to overflow: each is a 400 with its reason, and the daemon still answers.
            for hostile in [
                "step=9223372036854775807", "step=999999999999999999d", "step=106751991167300d", "step=-1h", "step=0",
                "step=1e3", "step=%2B5m", "from=1e308", "to=-1e308", "from=nan",
            ] {
                let response = try await client.get("/v1/series/casino/occupied?\(hostile)")
                #expect(response.status == 400, "\(hostile)")
            }
            let century = try await client.get("/v1/series/casino/occupied?step=36600d&from=0").json()
            #expect((century["points"] as? [Any])?.count == 1)
            #expect(try await client.get("/v1/series/casino/nonsense").status == 404)
            #expect(try await client.get("/v1/series/atlantis/occupied").status == 404)

            // The last hour climbed 10 spaces every 10 minutes: filling at 60 an hour, 130 spaces left.
            let casino = try await client.get("/v1/parking/casino").json()["car_park"] as? [String: Any]
            #expect(casino?["trend"] as? String == "increasing")
            #expect(casino?["minutes_to_full"] as? Double == 130)
            #expect(casino?["forecast_free_30min"] as? Int == 100)
            #expect(casino?["forecast_free_60min"] as? Int == 70)

            let list = try await client.get("/v1/series").json()
            #expect((list["memory"] as? [String: Any])?["series"] as? Int == 1)
        }
    }

    @Test func badInputIsRejectedWithAReasonAndDoesNotBlockGoodInput() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await withDaemon(broker: broker) { client, publisher in
            try publisher.publish(topic: "cityfeeds/parking/casino/occupancy", text: "{not json")
            try publisher.publish(topic: "cityfeeds/parking/atlantis/occupancy", text: #"{"occupied": 1}"#)
            try publisher.publish(topic: "cityfeeds/parking/casino/occupancy", text: #"{"occupied": 9999}"#)
            try publisher.publish(topic: "cityfeeds/parking/casino/occupancy", text: #"{"occupied": 100}"#)
            #expect(publisher.waitForAcknowledgements())

            let ingest = try await client.waitFor("/v1/ingest") { ($0["messages_received"] as? Int) == 4 }
            #expect(ingest["messages_accepted"] as? Int == 1)
            #expect(ingest["messages_rejected"] as? Int == 3)
            let reasons = ingest["rejections_by_reason"] as? [String: Int]
            #expect(reasons == ["malformed_json": 1, "unknown_sensor": 1, "above_maximum": 1])
            let recent = ingest["recent_rejections"] as? [[String: Any]]
            #expect(recent?.first?["payload"] as? String == #"{"occupied": 9999}"#)

            let parking = try await client.get("/v1/parking").json()
            #expect(carPark(parking, "casino")?["realtime_free_capacity"] as? Int == 300)

            let metrics = try await client.get("/metrics")
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
            let text = String(decoding: metrics.body, as: UTF8.self)
            for line in [
                #"cityfeeds_ingest_rejections_total{reason="malformed_json",sensor="casino"} 1"#,
                #"cityfeeds_ingest_rejections_total{reason="above_maximum",sensor="casino"} 1"#,
                // An unknown sensor's name never becomes a label: clients cannot multiply the series.
                #"cityfeeds_ingest_rejections_total{reason="unknown_sensor",sensor="unconfigured"} 1"#,
                #"cityfeeds_mqtt_messages_total{outcome="accepted"} 1"#,
                #"cityfeeds_mqtt_messages_total{outcome="rejected"} 3"#,
                #"cityfeeds_readings_total{outcome="stored"} 1"#,
                "cityfeeds_mqtt_connected 1",
            ] {
                #expect(text.contains(line), "\(line) not in /metrics")
            }
            #expect(text.contains("cityfeeds_store_commit_seconds_count"))
        }
    }

    @Test func startsWithoutABrokerServesHTTPAndBecomesReadyWhenTheBrokerAppears() async throws {
        let brokerPort = try freeLoopbackPort()
        try await runningDaemon(brokerURL: "mqtt://127.0.0.1:\(brokerPort)") { client in
            let health = try await client.get("/healthz")
            #expect(health.status == 200)
            #expect(try health.json()["ready"] as? Bool == false)
            #expect(try await client.get("/readyz").status == 503)
            #expect(try await client.get("/v1/parking").status == 200)

            let broker = try TestBroker(port: brokerPort)
            defer { broker.stop() }
            // The first retries are 0.5 s, 1 s, 2 s apart (with jitter).
            _ = try await client.waitFor("/healthz", timeout: .seconds(15)) { ($0["ready"] as? Bool) == true }
            #expect(try await client.get("/readyz").status == 200)
        }
    }

    @Test func aDischargeTurnsItsLinkedBeachesPoorAndRaisesAnAlert() async throws {
        let broker = try TestBroker()
        defer { broker.stop() }
        try await withDaemon(broker: broker) { client, publisher in
            let now = Timestamp.now
            // An outfall that has never reported leaves its beaches unknown, however good the sample.
            try publisher.publish(
                topic: "cityfeeds/beach/probe-grande-plage/sample",
                text: #"{"ts":"\#(now.adding(seconds: -60).iso8601)","ecoli":40,"enterococci":20}"#)
            #expect(publisher.waitForAcknowledgements())
            _ = try await client.waitFor("/v1/beaches/grande-plage") {
                $0["sample"] is [String: Any] && ($0["sample"] as? [String: Any])?["quality"] as? String == "good"
            }
            #expect(try await client.get("/v1/beaches/grande-plage").json()["status"] as? String == "unknown")

            try publisher.publish(
                topic: "cityfeeds/sewer/outfall-port-vieux/state",
                text: #"{"ts":"\#(now.adding(seconds: -30).iso8601)","state":"stopped"}"#)
            for beach in ["grande-plage", "port-vieux", "cote-des-basques"] {
                try publisher.publish(
                    topic: "cityfeeds/beach/probe-\(beach)/sample",
                    text: #"{"ts":"\#(now.iso8601)","ecoli":40,"enterococci":20}"#)
            }
            #expect(publisher.waitForAcknowledgements())
            _ = try await client.waitFor("/v1/beaches/grande-plage") { $0["status"] as? String == "good" }

            try publisher.publish(
                topic: "cityfeeds/sewer/outfall-port-vieux/state",
                text: #"{"ts":"\#(now.iso8601)","state":"discharging"}"#)
            #expect(publisher.waitForAcknowledgements())

            let grandePlage = try await client.waitFor("/v1/beaches/grande-plage") { $0["status"] as? String == "poor" }
            let outfalls = grandePlage["outfalls"] as? [[String: Any]]
            #expect(outfalls?.first?["state"] as? String == "discharging")
            _ = try await client.waitFor("/v1/beaches/port-vieux") { $0["status"] as? String == "poor" }
            // Côte des Basques is linked to another outfall, which has reported nothing: not poor, not good.
            let basques = try await client.get("/v1/beaches/cote-des-basques").json()
            #expect(basques["status"] as? String == "unknown")

            // One alert on each beach the outfall reaches, raised together.
            let alerts = try await client.get("/v1/alerts").json()
            let items = alerts["items"] as? [[String: Any]] ?? []
            #expect(items.count == 2)
            #expect(
                items.allSatisfy { $0["rule"] as? String == "sewage_discharge" && $0["state"] as? String == "firing" })
            #expect(Set(items.compactMap { $0["subject"] as? String }) == ["port-vieux", "grande-plage"])
            #expect(items.allSatisfy { $0["causes"] as? [String] == ["outfall-port-vieux"] })
            #expect(Set(items.compactMap { $0["fired_at"] as? String }).count == 1)
            #expect((grandePlage["alerts"] as? [[String: Any]])?.first?["subject"] as? String == "grande-plage")
            #expect(grandePlage["sewage"] as? String == "alert")

            // The summary counts them; the district of both beaches carries them.
            let status = try await client.get("/v1/status").json()
            #expect((status["alerts"] as? [String: Any])?["open"] as? Int == 2)
            #expect((status["parking"] as? [String: Any])?["car_parks"] as? Int == 6)
            #expect((status["beaches"] as? [String: Any])?["beaches"] as? Int == 6)
            #expect(status["districts"] as? Int == 3)
            let centre = try await client.get("/v1/districts/centre").json()
            #expect((centre["alerts"] as? [[String: Any]])?.count == 2)
            #expect((centre["car_parks"] as? [Any])?.count == 4)
            #expect(
                (centre["beaches"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [
                    "grande-plage", "miramar", "port-vieux",
                ])
            let southern = try await client.get("/v1/districts/cote-des-basques").json()
            #expect((southern["alerts"] as? [Any])?.isEmpty == true)
            #expect(try await client.get("/v1/districts/nowhere").status == 404)
        }
    }
}
