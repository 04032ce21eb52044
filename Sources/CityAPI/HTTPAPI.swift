import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import HTTPTypes
import Hummingbird
import Ingest
import NIOCore
import Parking
import Prometheus
import RequestParsing
import TimeSeries

/// The read-only HTTP JSON API.
package struct HTTPAPI: Sendable {
    /// Replaced as a whole on configuration reload; each request reads the current one.
    let statusSource: Reloadable<CityStatus>
    var status: CityStatus { statusSource.value }
    let reloads: Reloadable<ReloadRecord>
    let consumer: MQTTConsumer
    let statistics: IngestStatistics
    let store: SeriesStore
    let metrics: PrometheusCollectorRegistry
    let httpStatistics: HTTPStatistics
    /// What the last integrity check of the store found.
    let storeHealth: StoreHealth
    /// Messages ingest set aside.
    let quarantine: Quarantine
    /// The same center as `status.alerts` (it outlives reloads), reachable without copying the status.
    let alerts: AlertCenter
    /// Where operators' writes are carried out (and shared with the pair).
    let desk: OperatorDesk
    /// The clock, injectable for tests.
    let now: @Sendable () -> Timestamp
    /// How often an idle alert stream sends a keep-alive comment (proxies drop silent connections).
    var heartbeatInterval: Duration = .seconds(15)
    let snapshots = RenderedSnapshots<SnapshotVersion, Representation>()
    /// The car parks' and beaches' renderings the polled lists are made of.
    let items = ItemRenderings()
    /// Stream events encoded once for all stream clients.
    let encodedEvents = EncodedEvents()
    /// Alert steps framed once as chunks for all stream clients answered on the event loop.
    let encodedSteps = EncodedSteps()
    /// Totals exported as counters, advanced at each scrape.
    let counterMirror = CounterMirror()

    /// The API over the daemon's parts; `now` is the clock (injectable for tests).
    package init(
        statusSource: Reloadable<CityStatus>, reloads: Reloadable<ReloadRecord>, consumer: MQTTConsumer,
        statistics: IngestStatistics, store: SeriesStore, metrics: PrometheusCollectorRegistry,
        httpStatistics: HTTPStatistics, storeHealth: StoreHealth, quarantine: Quarantine, alerts: AlertCenter,
        desk: OperatorDesk, now: @escaping @Sendable () -> Timestamp, heartbeatInterval: Duration = .seconds(15)
    ) {
        self.statusSource = statusSource
        self.reloads = reloads
        self.consumer = consumer
        self.statistics = statistics
        self.store = store
        self.metrics = metrics
        self.httpStatistics = httpStatistics
        self.storeHealth = storeHealth
        self.quarantine = quarantine
        self.alerts = alerts
        self.desk = desk
        self.now = now
        self.heartbeatInterval = heartbeatInterval
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        // Stable output (so identical state gives identical bytes) and URLs/topics without `\/`.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Registers a handler for every operation of the contract, by its operationId.
    package func addRoutes(to router: Router<BasicRequestContext>) {
        router.on(operation: "getHealth") { _, _ in health() }
        router.on(operation: "getReadiness") { _, _ in
            let document = healthDocument()
            return json(document, status: document.ready ? .ok : .serviceUnavailable)
        }
        router.on(operation: "getStatus") { request, _ in response(to: .status, request) }
        router.on(operation: "listDistricts") { request, _ in response(to: .districts, request) }
        router.on(operation: "getDistrict") { request, context in
            response(to: .district(try context.parameters.require("id")), request)
        }
        router.on(operation: "getMetrics") { _, _ in prometheusText() }
        let openAPI = Representation(OpenAPI.json, cacheControl: "public, max-age=3600")
        router.on(operation: "getOpenAPIDocument") { request, _ in openAPI.response(for: request) }
        router.on(operation: "getIngest") { _, _ in
            json(
                Contract.Ingest(
                    status: consumer.status, statistics: statistics.snapshot, quarantined: try quarantine.count()))
        }
        router.on(operation: "listQuarantinedMessages") { _, _ in
            json(
                Contract.Quarantine(
                    count: try quarantine.count(),
                    items: try quarantine.messages(limit: 100).map(Contract.Quarantine.Item.init)))
        }
        router.on(operation: "getCarPark") { request, context in
            let id = try context.parameters.require("id")
            guard let carPark = status.configuration.carParks.first(where: { $0.id == id }) else {
                return problem(.notFound, "No car park has the id '\(id)'.")
            }
            let time: Timestamp
            do throws(BadParameter) {
                time = try asOf(request) ?? now()
            } catch {
                return problem(.badRequest, error.message)
            }
            return json(Contract.CarParkDetail(status.carParkDetail(carPark, now: time)))
        }
        router.on(operation: "listBeaches") { request, _ in
            if let document = PolledDocument(request) { return response(to: document, request) }
            // A page, or the beaches of a box: computed for this request, for the beaches it holds only.
            let box: ParkingQuery.Box?
            let page: PageRequest?
            do throws(BadParameter) {
                let parameters = Query(request)
                box = try RequestParsing.boundingBox(parameters)
                page = try RequestParsing.page(parameters)
            } catch {
                return problem(.badRequest, error.message)
            }
            let time = now()
            let found = status.beaches(
                in: box, page: page ?? PageRequest(limit: .max), now: time)
            var response = json(
                Contract.BeachList(
                    generatedAt: time.iso8601, items: found.items.map(Contract.Beach.init),
                    nextCursor: found.next?.token))
            if let next = found.next { response.headers[.link] = nextPageLink(request, next) }
            return response
        }
        router.on(operation: "getBeach") { request, context in
            let id = try context.parameters.require("id")
            guard let beach = status.configuration.beaches.first(where: { $0.id == id }) else {
                return problem(.notFound, "No beach has the id '\(id)'.")
            }
            let at: Timestamp?
            do throws(BadParameter) {
                at = try asOf(request)
            } catch {
                return problem(.badRequest, error.message)
            }
            return json(
                Contract.Beach(try at.map { try status.beach(beach, at: $0) } ?? status.beach(beach, now: now())))
        }
        addSeriesRoutes(to: router)
        addParkingRoutes(to: router)
        addPageRoutes(to: router)
        addOperatorRoutes(to: router)
        addAlertRoutes(to: router)
    }

    /// The `at` query parameter of an as-of read ("what did we show at 15:00 on 14 July?"): `nil` for now. A
    /// time ahead of the clock is refused: nothing is known of it yet.
    func asOf(_ request: Request) throws(BadParameter) -> Timestamp? {
        guard let at = try RequestParsing.time(request.uri.queryParameters.get("at"), name: "at") else { return nil }
        guard at <= now() else { throw BadParameter(message: "at must not lie in the future.") }
        return at
    }

    /// Ready when connected to the broker, the store answers and the alert log is written; `problems` says
    /// what is not.
    func healthDocument() -> Contract.Health {
        let mqtt = consumer.status
        let stored = try? store.storedCount()
        let log = status.alerts.logHealth
        var problems: [String] = []
        if mqtt.state != .connected {
            problems.append("MQTT is \(mqtt.state.rawValue)")
        } else if !mqtt.subscribed {
            problems.append("MQTT is connected, but the broker has not granted every subscription yet")
        }
        if stored == nil { problems.append("the store does not answer") }
        if let check = storeHealth.lastCheck, !check.problems.isEmpty {
            problems.append(
                "the store failed its integrity check at \(check.at.iso8601): \(check.problems.joined(separator: "; ").prefix(300))"
            )
        }
        if let failure = log.failure {
            problems.append(
                "the alert log cannot be written since \(failure.since.iso8601) (\(failure.problem)); "
                    + "\(log.journalled - log.loggedThrough) transitions wait in the journal")
        }
        return Contract.Health(
            alertLog: Contract.Health.AlertLog(log), configuration: Contract.Health.Configuration(reloads.value),
            mqtt: Contract.MQTTStatus(mqtt), problems: problems, ready: problems.isEmpty, status: "ok",
            storedReadings: stored, version: CityFeedsVersion.current)
    }

    /// Alive as long as it answers; whether it is ready is in the body (and `/readyz`).
    func health() -> Response {
        json(healthDocument())
    }

    private func gauge(_ name: String, _ help: String, labels: [(String, String)] = []) -> Gauge {
        metrics.makeGauge(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: labels)
    }

    /// A total kept elsewhere, exported as a counter (see `CounterMirror`).
    private func counter(_ name: String, _ help: String, total: Int64) {
        let counter = metrics.makeCounter(
            descriptor: MetricNameDescriptor(metricName: name, unitName: "", helpText: help), labels: [])
        counterMirror.mirror(counter, name: name, total: total)
    }

    /// The Prometheus text exposition; connection gauges are read at scrape time.
    func prometheusText() -> Response {
        let mqtt = consumer.status
        gauge("cityfeeds_mqtt_connected", "1 while the MQTT session is connected")
            .set(Int64(mqtt.state == .connected ? 1 : 0))
        gauge("cityfeeds_mqtt_session_present", "1 if the broker kept our session at the last connection")
            .set(Int64(mqtt.sessionPresent ? 1 : 0))
        counter("cityfeeds_mqtt_connection_attempts_total", "MQTT connection attempts", total: Int64(mqtt.attempts))
        counter(
            "cityfeeds_mqtt_reconnects_total", "MQTT reconnections after the first connection",
            total: Int64(mqtt.reconnects))
        let memory = store.memoryReport
        gauge("cityfeeds_series_memory_bytes", "Memory held by the in-memory series")
            .set(Int64(memory.bytes))
        gauge("cityfeeds_series_samples", "Raw samples held in memory")
            .set(Int64(memory.samples))
        gauge(
            "cityfeeds_series_late_readings",
            "Readings too old for their raw series in memory; durable and in the rollups"
        )
        .set(Int64(memory.late))
        // Open alerts by rule and state, every combination present (0 included) so a dashboard sees them go.
        let open = status.alerts.openAlerts
        for rule in AlertRule.allCases {
            for state in [AlertState.pending, .firing] {
                gauge(
                    "cityfeeds_alerts_open", "Open alerts by rule and state",
                    labels: [("rule", rule.rawValue), ("state", state.rawValue)]
                ).set(Int64(open.filter { $0.fingerprint.rule == rule && $0.state == state }.count))
            }
        }
        counter(
            "cityfeeds_alert_transitions_total", "Alert transitions journalled (the journal's latest sequence)",
            total: status.alerts.lastSequence)
        if let check = storeHealth.lastCheck {
            gauge("cityfeeds_store_integrity_ok", "1 if the store passed its last integrity check (quick_check)")
                .set(Int64(check.problems.isEmpty ? 1 : 0))
        }
        gauge(
            "cityfeeds_ingest_quarantined",
            "MQTT messages held in the quarantine (set aside: they alone made ingest fail)"
        )
        .set(Int64((try? quarantine.count()) ?? 0))
        counter(
            "cityfeeds_ingest_quarantined_total", "MQTT messages set aside in the quarantine",
            total: Int64(quarantine.quarantinedSinceStart))
        let log = status.alerts.logHealth
        gauge("cityfeeds_alert_log_healthy", "1 while the alert log is written and up to date with the journal")
            .set(Int64(log.isHealthy ? 1 : 0))
        gauge("cityfeeds_alert_log_behind", "Journalled transitions not yet on disk in the alert log")
            .set(max(0, log.journalled - log.loggedThrough))
        counter(
            "cityfeeds_alert_log_write_failures_total", "Failed writes to the alert log",
            total: Int64(log.writeFailures))
        gauge("cityfeeds_alert_stream_subscribers", "Open alert-stream subscriptions")
            .set(Int64(status.alerts.subscriberCount))
        counter(
            "cityfeeds_alert_stream_ended_too_slow_total",
            "Alert-stream clients disconnected for falling too far behind",
            total: Int64(status.alerts.subscribersEndedTooSlow))
        gauge(
            "cityfeeds_build_info", "The running build: 1, with its version and Swift's as labels",
            labels: [("version", CityFeedsVersion.current), ("swift", CityFeedsVersion.swift)]
        ).set(Int64(1))
        // Data age per sensor class: how long since the newest reading of the class, the first sign of a
        // network server or a gateway gone quiet.
        let time = now()
        var newest: [String: Timestamp] = [:]
        for key in store.keys {
            guard let latest = store.latest(key) else { continue }
            let name = SeriesLayout.className(of: key.metric)
            newest[name] = max(newest[name] ?? latest.time, latest.time)
        }
        for name in ["parking", "water", "sewer", "rain"] {
            gauge(
                "cityfeeds_data_age_seconds", "Seconds since the newest reading of each sensor class (-1: none yet)",
                labels: [("class", name)]
            ).set(Int64(newest[name].map { max(0, time.seconds(since: $0)) } ?? -1))
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: ResponseBody(
                byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer() + Array(httpStatistics.exposition.utf8))))
    }

    /// A JSON response with its ETag; `no-cache`: clients may keep it but must revalidate (a 304 is cheap).
    func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        do {
            let data = try Self.encoder.encode(value)
            return Response(
                status: status,
                headers: [
                    .contentType: "application/json; charset=utf-8", .cacheControl: "no-cache",
                    .eTag: Representation.tag(data),
                ],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        } catch {
            return problem(.internalServerError, "The response could not be encoded: \(error)")
        }
    }

    func problem(_ status: HTTPResponse.Status, _ detail: String) -> Response {
        problemResponse(status, detail: detail)
    }
}
