import Alerts
import ArgumentParser
import FeedCore
import Foundation
import Ingest
import Logging
import Storage
import TimeSeries

/// Feeds archives through the daemon's own ingest checks, store and alert rules, with a clock that follows the
/// data: a city loads its history and gets the alerts and statuses live operation would have given.
///
/// Readings of all archives are applied in observation order (a stable sort), in batches of one SQLite
/// transaction each. Before each batch the alert engine is moved to the batch's first time: everything older
/// has been applied, so whatever fell due before it is settled, exactly as live data would have settled it.
/// Transitions recorded this way are history (`late`), never pushed as live warnings.
struct ArchiveReplay {
    struct Summary: Sendable, Equatable {
        var read = 0
        var stored = 0
        var duplicates = 0
        /// Older than what their series already held (the store had newer data): kept, decided nothing.
        var late = 0
        var rejectedByReason: [RejectionReason: Int] = [:]
        var notGenuine = 0
        var alertTransitions: Int64 = 0
        var first: Timestamp?
        var last: Timestamp?

        var rejected: Int { rejectedByReason.values.reduce(0, +) }
    }

    struct Progress: Sendable {
        var done: Int
        var total: Int
        var dataTime: Timestamp
    }

    let configuration: DaemonConfiguration
    let logger: Logger
    var batchSize = 2_000

    /// Replays `archives`; `checkpoint` is called with the store and alerts as they stand once every reading
    /// up to each batch's start is applied (the moments a live daemon would have been at).
    func run(
        _ archives: [(name: String, contents: ArchiveContents)],
        progress: (Progress) -> Void = { _ in },
        checkpoint: (Timestamp, SeriesStore, AlertCenter) throws -> Void = { _, _, _ in }
    ) throws -> Summary {
        // A running daemon must not share the store: replay into its data directory once it is stopped.
        let lock = try configuration.lockDataDirectory()
        defer { lock.release() }
        let store = try configuration.openStore()
        defer { store.close() }
        let alerts = try configuration.openAlerts(logger: logger)
        defer { alerts.close() }
        let pipeline = IngestPipeline(
            routes: configuration.routes, sensors: configuration.sensorSpecs, aliases: configuration.aliases,
            policy: configuration.policy)
        let sequenceBefore = alerts.lastSequence

        var summary = Summary()
        var readings: [Reading] = []
        for archive in archives {
            summary.read += archive.contents.records.count + archive.contents.rejected.count
            summary.notGenuine += archive.contents.notGenuine
            for (line, rejection) in archive.contents.rejected {
                summary.rejectedByReason[rejection.reason, default: 0] += 1
                logger.warning("archive line rejected", metadata: ["archive": "\(archive.name):\(line)", "reason": "\(rejection)"])
            }
            for record in archive.contents.records {
                do throws(Rejection) {
                    readings.append(try pipeline.accept(record, received: record.time))
                } catch {
                    summary.rejectedByReason[error.reason, default: 0] += 1
                    if summary.rejected <= 20 {
                        logger.warning("archive reading rejected", metadata: ["archive": "\(archive.name):\(record.line)", "reason": "\(error)"])
                    }
                }
            }
        }
        readings.sort { $0.time < $1.time }
        summary.first = readings.first?.time
        summary.last = readings.last?.time

        var start = 0
        while start < readings.count {
            let batch = Array(readings[start..<min(start + batchSize, readings.count)])
            try alerts.advance(to: batch[0].time)
            try checkpoint(batch[0].time, store, alerts)
            let result = try store.append(batch)
            summary.stored += result.new.count
            summary.duplicates += result.duplicates
            summary.late += result.late
            try alerts.ingest(batch)
            start += batch.count
            progress(Progress(done: start, total: readings.count, dataTime: batch[batch.count - 1].time))
        }
        if let last = summary.last {
            try alerts.advance(to: last)
            try checkpoint(last, store, alerts)
        }
        summary.alertTransitions = alerts.lastSequence - sequenceBefore
        return summary
    }
}

/// `cityfeedsd replay`: loads archives into the daemon's data directory (the daemon must not be running).
struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load archives (readings or spill events) through the daemon's ingest, store and alert rules.",
        discussion: """
            Formats (docs/ingest.md, "Archives"): CSV with sensor,metric,time,value columns; JSON Lines; spill \
            events (outfall,start,stop[,status]). The format follows the file name (.jsonl) and the CSV header \
            unless --format says. Stop the daemon first: the replay writes its store and alert journal.
            """)

    @Option(name: .shortAndLong, help: "The configuration file (TOML).")
    var config: String

    @Option(help: "Data directory (overrides storage.data_dir; env CITYFEEDS_DATA_DIR).")
    var dataDir: String?

    @Option(help: "Archive format: csv, jsonl or spills (default: from each file).")
    var format: String?

    @Argument(help: "Archive files.")
    var archives: [String]

    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if let format, ArchiveFormat(rawValue: format) == nil {
            throw ValidationError("--format must be one of csv, jsonl, spills")
        }
        guard !archives.isEmpty else { throw ValidationError("name at least one archive") }
    }

    func run() throws {
        let logger = logging.bootstrap()
        let configuration: DaemonConfiguration
        do {
            configuration = try DaemonConfiguration.load(
                path: config, overrides: ConfigurationOverrides(dataDirectory: dataDir).over(.environment()))
        } catch let error as ConfigurationError {
            printToStandardError(error.description)
            throw ExitCode(78)
        }
        var loaded: [(name: String, contents: ArchiveContents)] = []
        for path in archives {
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                printToStandardError("\(path): cannot be read as UTF-8 text")
                throw ExitCode(66)  // EX_NOINPUT
            }
            let firstLine = text.prefix { !$0.isNewline }
            let chosen = format.flatMap(ArchiveFormat.init(rawValue:)) ?? ArchiveFormat.detect(path: path, firstLine: firstLine)
            let contents = ArchiveReader.read(text, format: chosen)
            printToStandardError("\(path): \(chosen.rawValue), \(contents.records.count) readings, \(contents.rejected.count) lines rejected")
            loaded.append((path, contents))
        }
        let terminal = isatty(STDERR_FILENO) == 1
        var shownPercent = -1
        let replay = ArchiveReplay(configuration: configuration, logger: logger)
        let summary: ArchiveReplay.Summary
        do {
            summary = try replay.run(loaded) { progress in
                let percent = progress.total == 0 ? 100 : progress.done * 100 / progress.total
                let line = "replayed \(progress.done) of \(progress.total) readings (\(percent) %), data time \(progress.dataTime.iso8601)"
                if terminal {
                    FileHandle.standardError.write(Data("\r\(line)".utf8))
                } else if percent / 10 != shownPercent / 10 {
                    printToStandardError(line)
                }
                shownPercent = percent
            }
        } catch where isDataDirectoryProblem(error) {
            printToStandardError("\(error)")
            throw ExitCode(78)
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        print(
            "replayed \(summary.read) records: \(summary.stored) readings stored, \(summary.duplicates) already stored, "
                + "\(summary.late) late, \(summary.rejected) rejected"
                + (summary.notGenuine > 0 ? ", \(summary.notGenuine) spill events not genuine left out" : "")
                + "; \(summary.alertTransitions) alert transitions recorded")
        if let first = summary.first, let last = summary.last {
            print("data from \(first.iso8601) to \(last.iso8601)")
        }
        for (reason, count) in summary.rejectedByReason.sorted(by: { $0.key < $1.key }) {
            print("  rejected \(reason.rawValue): \(count)")
        }
    }
}
