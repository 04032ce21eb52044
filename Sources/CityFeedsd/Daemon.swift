import Alerts
import CityAPI
import CityCore
import CoreMetrics
import FeedCore
import Foundation
import Hummingbird
import Ingest
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle
import Storage
import TimeSeries
import UnixSignals

/// The composition root: builds every part of the daemon from a configuration and wires them together.
/// `cityfeedsd run` and the integration tests both go through here.
struct Daemon: Sendable {
    let configuration: DaemonConfiguration
    /// Held for the daemon's life: no other daemon may write its data directory.
    let lock: DirectoryLock
    let store: SeriesStore
    let consumer: MQTTConsumer
    let statistics: IngestStatistics
    let alerts: AlertCenter
    /// Messages set aside because they alone made ingest fail.
    let quarantine: Quarantine
    /// The operators' writes waiting for the broker, when a pair shares them.
    let outbox: OperatorActionOutbox?
    /// The daemon's own metrics registry, served at `/metrics`; nothing global, so tests can run several.
    let metrics: PrometheusCollectorRegistry
    /// The router with its middleware: what the server answers through, and what tests call in memory.
    let responder: HeadAsGetResponder<RouterResponder<BasicRequestContext>>
    let application: Application<HeadAsGetResponder<RouterResponder<BasicRequestContext>>>
    /// Reloads the configuration file (SIGHUP); `nil` when the daemon was not started from a file.
    let reloader: ConfigurationReloader?
    /// The HTTP API the router and the fast path answer from.
    let api: HTTPAPI

    /// - Parameters:
    ///   - source: the file and overrides the configuration came from, reloaded on SIGHUP (`nil`: no reload).
    ///   - onListening: called with the HTTP port once the server listens (useful with port 0).
    init(
        configuration: DaemonConfiguration, source: (path: String, overrides: ConfigurationOverrides)? = nil,
        logger: Logger,
        now: @escaping @Sendable () -> Timestamp = { .now },
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws {
        self.configuration = configuration
        lock = try configuration.lockDataDirectory()
        store = try configuration.openStore()
        alerts = try configuration.openAlerts(logger: logger)
        metrics = PrometheusCollectorRegistry()
        let metricsFactory = DocumentedMetricsFactory(registry: metrics)
        statistics = IngestStatistics(
            logger: logger, metrics: metricsFactory, sensors: Set(configuration.sensorSpecs.map(\.id)))
        let pipeline = Reloadable(
            IngestPipeline(
                routes: configuration.ingest.routes, sensors: configuration.sensorSpecs,
                aliases: configuration.ingest.aliases,
                policy: configuration.ingest.policy))
        let operatorTopic = configuration.mqtt.operatorTopic
        var mqtt = MQTTConsumerConfiguration(
            broker: configuration.mqtt.broker, clientID: configuration.mqtt.clientID,
            subscriptions: pipeline.value.subscriptionFilters + (operatorTopic.map { [$0] } ?? []),
            username: configuration.mqtt.username, password: configuration.mqtt.password)
        mqtt.maxBurstCount = configuration.mqtt.maxBurst
        mqtt.tls = configuration.mqtt.tls
        quarantine = try Quarantine(path: configuration.quarantinePath)
        let cityStatus = Reloadable(CityStatus(configuration: configuration, store: store, alerts: alerts))
        outbox = try operatorTopic.map { _ in
            try OperatorActionOutbox(path: configuration.operatorOutboxPath, metrics: metricsFactory, logger: logger)
        }
        let desk = OperatorDesk(
            status: cityStatus, origin: configuration.mqtt.clientID, outbox: outbox, metrics: metricsFactory,
            logger: logger)
        let recorder = ReadingRecorder(
            pipeline: pipeline, store: store, statistics: statistics, uplinks: UplinkDeduplicator(), alerts: alerts,
            commitTimer: CoreMetrics.Timer(label: "cityfeeds_store_commit_seconds", factory: metricsFactory),
            operatorWrites: operatorTopic.map { ($0, desk) })
        consumer = try MQTTConsumer(
            configuration: mqtt,
            handler: QuarantiningHandler(
                wrapping: recorder, quarantine: quarantine, markerPath: configuration.inFlightMarkerPath, logger: logger
            ),
            logger: logger)

        let router = Router()
        let httpStatistics = HTTPStatistics(
            maxConnections: configuration.http.maxConnections,
            maxConnectionsPerAddress: configuration.http.maxConnectionsPerAddress)
        router.add(
            middleware: HTTPPolicyMiddleware(
                routes: RouteTable(operations: OpenAPI.operations), statistics: httpStatistics))
        let reloads = Reloadable(ReloadRecord(loadedAt: Timestamp.now.iso8601))
        let ingestStatistics = statistics
        let reloader = source.map {
            ConfigurationReloader(
                path: $0.path, overrides: $0.overrides, status: cityStatus, pipeline: pipeline,
                statistics: ingestStatistics,
                record: reloads, logger: logger)
        }
        self.reloader = reloader
        let storeHealth = StoreHealth()
        let api = HTTPAPI(
            statusSource: cityStatus, reloads: reloads, consumer: consumer,
            statistics: statistics, store: store, metrics: metrics, httpStatistics: httpStatistics,
            storeHealth: storeHealth, quarantine: quarantine, alerts: alerts, desk: desk, now: now)
        api.addRoutes(to: router)
        self.api = api
        var sharing: [any Service] = []
        if let outbox, let operatorTopic {
            sharing.append(
                OperatorActionSharing(
                    outbox: outbox, topic: operatorTopic, configuration: configuration, metrics: metricsFactory,
                    logger: logger))
        }
        let serverName = "cityfeedsd"
        responder = HeadAsGetResponder(wrapped: router.buildResponder())
        application = Application(
            responder: responder,
            // Bounded requests: an idle connection is closed after http.idle_timeout_seconds (30 s), and so is
            // one whose client takes no byte of its answer for as long; headers are capped in count and size
            // (bodies are capped per endpoint, 4–8 KiB, where they are read).
            // The polled documents are answered on the event loop, ahead of the router (PolledReadHandler).
            server: .http1(
                configuration: .init(
                    idleTimeout: .seconds(Int64(configuration.http.idleTimeoutSeconds)),
                    httpDecoderConfiguration: .init(
                        maxHeaderFieldSize: 16_384, maxHeaderListSize: 32_768, maxHeaderFieldCount: 64)),
                statistics: httpStatistics, sendBufferBytes: configuration.http.sendBufferBytes,
                polledReads: {
                    PolledReadHandler(api: api, statistics: httpStatistics, serverName: serverName, lifecycle: $0)
                }),
            configuration: .init(
                address: .hostname(configuration.http.host, port: configuration.http.port), serverName: serverName),
            services: [
                IngestService(consumer: consumer),
                MaintenanceService(
                    store: store, policy: configuration.storage.retention, interval: .seconds(3_600), logger: logger),
                CompactionService(store: store, interval: .seconds(10), logger: logger),
                StoreCheckService(store: store, health: storeHealth, interval: .seconds(86_400), logger: logger),
                CalibrationLogService(source: cityStatus, interval: .seconds(60), logger: logger),
                AlertClockService(
                    alerts: alerts,
                    sessionSince: { [consumer] in
                        let status = consumer.status
                        return status.state == .connected ? status.since : nil
                    }, now: now, interval: .seconds(1), logger: logger),
                HangupService(alerts: alerts, reloader: reloader, logger: logger),
            ]
                + sharing
                + (configuration.alerts.statusTopic.map {
                    [
                        BeachStatusPublisher(
                            source: cityStatus, topic: $0, now: now, interval: .seconds(1), logger: logger)
                    ]
                } ?? []),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? 0)
            },
            logger: logger)
    }

    /// Runs until SIGTERM or SIGINT: the HTTP server stops, the MQTT session commits, acknowledges and
    /// disconnects, then the store is checkpointed and closed.
    func run() async throws {
        defer { close() }
        try await application.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    /// Closes the journal, the log and the store, then lets the data directory go.
    func close() {
        alerts.close()
        store.close()
        quarantine.close()
        outbox?.close()
        lock.release()
    }
}
