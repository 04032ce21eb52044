import Alerts
import ArgumentParser
import CityAPI
import CityCore
import Foundation
import Ingest
import Logging
import Storage
import TimeSeries

/// `cityfeedsd`: the command line. It only parses arguments, bootstraps logging and hands over to `Daemon`.
@main
struct CityFeedsd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cityfeedsd",
        abstract: "Live parking availability and bathing-water status from a city's MQTT sensors.",
        version: CityFeedsVersion.current,
        subcommands: [
            Run.self, CheckConfig.self, Simulate.self, Replay.self, ImportEtalab.self, AlertsCommand.self,
            BeachCommand.self,
        ])
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func bootstrap() -> Logger {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "cityfeedsd")
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the daemon.")

    @Option(name: .shortAndLong, help: "The configuration file (TOML).")
    var config: String

    @Option(help: "Broker URL, e.g. mqtt://127.0.0.1:1883 (overrides mqtt.broker; env CITYFEEDS_BROKER).")
    var broker: String?

    @Option(help: "HTTP listen address HOST:PORT (overrides http.listen; env CITYFEEDS_HTTP_LISTEN).")
    var http: String?

    @Option(help: "Data directory (overrides storage.data_dir; env CITYFEEDS_DATA_DIR).")
    var dataDir: String?

    @Option(help: "MQTT client id (overrides mqtt.client_id; env CITYFEEDS_CLIENT_ID): one per instance of a pair.")
    var clientId: String?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap()
        let overrides = ConfigurationOverrides(
            broker: broker, httpListen: http, dataDirectory: dataDir, clientID: clientId
        )
        .over(.environment())
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(path: config, overrides: overrides)
        } catch let error as ConfigurationError {
            printToStandardError(error.description)
            throw ExitCode(78)  // EX_CONFIG
        }
        let daemon: Daemon
        do {
            daemon = try Daemon(
                configuration: configuration, source: (config, overrides), logger: logger,
                onListening: { port in
                    logger.info(
                        "HTTP API listening",
                        metadata: ["http.url": "http://\(configuration.http.host):\(port)/v1/status"])
                })
        } catch  where isDataDirectoryProblem(error) {
            printToStandardError("\(error)")
            throw ExitCode(78)  // EX_CONFIG: a restart cannot help until someone looks
        }
        for warning in configuration.warnings {
            logger.warning("configuration: \(warning)")
        }
        logger.info(
            "cityfeedsd starting",
            metadata: [
                "city": "\(configuration.cityName)", "mqtt.broker": "\(configuration.mqtt.broker)",
                "store.path": "\(configuration.databasePath)",
            ])
        try await daemon.run()
        logger.info("cityfeedsd stopped")
    }
}

struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config", abstract: "Validate a configuration file and report every problem.")

    @Argument(help: "The configuration file (TOML).")
    var file: String

    func run() throws {
        do {
            let configuration = try DaemonConfiguration.load(path: file, overrides: .environment())
            let series = configuration.sensorSpecs.flatMap { spec in spec.metrics.map { ($0, spec.id) } }
            let layout = configuration.storage.seriesLayout
            let bound = series.reduce(0) { $0 + layout.worstCaseBytes(of: $1.0) }
            let steady = series.reduce(0) { $0 + layout.steadyStateBytes(of: $1.0) }
            for warning in configuration.warnings { print("warning: \(warning)") }
            print(
                "\(file): OK — \(configuration.carParks.count) car parks, \(configuration.beaches.count) beaches, "
                    + "\(configuration.outfalls.count) outfalls, \(configuration.rainGauges.count) rain gauges, "
                    + "\(configuration.ingest.routes.count) topic routes")
            print(
                "series memory: at most \(bound / 1_048_576) MiB for \(series.count) possible series "
                    + "(sensor × metric), rollups included")
            print(
                "series memory estimate: about \(steady / 1_048_576) MiB once every series has filled its retention "
                    + "with regular readings (2 bytes a raw sample, every rollup step held); less while they fill, "
                    + "and for sensors that report rarely")
        } catch let error as ConfigurationError {
            printToStandardError(error.description)
            throw ExitCode(78)
        }
    }
}

struct Simulate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Publish simulated traffic for the configured city to a broker.")

    @Option(name: .shortAndLong, help: "The configuration file (TOML).")
    var config: String

    @Option(help: "Broker URL (overrides mqtt.broker; env CITYFEEDS_BROKER).")
    var broker: String?

    @Option(help: "Seconds between ticks.")
    var interval: Double = 2

    @Option(help: "Real seconds per simulated day.")
    var dayLength: Int = 600

    @Option(help: "Stop after this many seconds (default: run until interrupted).")
    var duration: Double?

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.bootstrap()
        let overrides = ConfigurationOverrides(broker: broker).over(.environment())
        let configuration = try DaemonConfiguration.load(path: config, overrides: overrides)
        var simulator = TrafficSimulator(configuration: configuration)
        simulator.interval = .milliseconds(Int(interval * 1000))
        simulator.dayLength = .seconds(dayLength)
        try await simulator.run(
            broker: configuration.mqtt.broker, duration: duration.map { .milliseconds(Int($0 * 1000)) }, logger: logger)
    }
}

/// The files the daemon owns are unusable: a damaged or foreign store or journal, an alert log that cannot be
/// opened, a data directory another daemon holds. Like a configuration error, restarting cannot fix them, so
/// they exit with 78 (EX_CONFIG), which the systemd unit does not restart on.
func isDataDirectoryProblem(_ error: any Error) -> Bool {
    error is StoreError || error is JournalError || error is AlertLogError || error is DirectoryLockError
        || error is QuarantineError || error is OperatorOutboxError
}

/// Writes a line to standard error (configuration problems go there, not into the log).
func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
