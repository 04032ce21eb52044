import Alerts
import ArgumentParser
import CityCore
import FeedCore
import Foundation
import Ingest
import Logging
import Storage
import TimeSeries

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
            let chosen =
                format.flatMap(ArchiveFormat.init(rawValue:)) ?? ArchiveFormat.detect(path: path, firstLine: firstLine)
            let contents = ArchiveReader.read(text, format: chosen)
            printToStandardError(
                "\(path): \(chosen.rawValue), \(contents.records.count) readings, \(contents.rejected.count) lines rejected"
            )
            loaded.append((path, contents))
        }
        let terminal = isatty(STDERR_FILENO) == 1
        var shownPercent = -1
        let replay = ArchiveReplay(configuration: configuration, logger: logger)
        let summary: ArchiveReplay.Summary
        do {
            summary = try replay.run(loaded) { progress in
                let percent = progress.total == 0 ? 100 : progress.done * 100 / progress.total
                let line =
                    "replayed \(progress.done) of \(progress.total) readings (\(percent) %), data time \(progress.dataTime.iso8601)"
                if terminal {
                    FileHandle.standardError.write(Data("\r\(line)".utf8))
                } else if percent / 10 != shownPercent / 10 {
                    printToStandardError(line)
                }
                shownPercent = percent
            }
        } catch  where isDataDirectoryProblem(error) {
            printToStandardError("\(error)")
            throw ExitCode(78)
        }
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
        var line = "replayed \(summary.read) records: \(summary.stored) readings stored, "
        line += "\(summary.duplicates) already stored, \(summary.late) late, \(summary.rejected) rejected"
        if summary.notGenuine > 0 { line += ", \(summary.notGenuine) spill events not genuine left out" }
        print(line + "; \(summary.alertTransitions) alert transitions recorded")
        if let first = summary.first, let last = summary.last {
            print("data from \(first.iso8601) to \(last.iso8601)")
        }
        for (reason, count) in summary.rejectedByReason.sorted(by: { $0.key < $1.key }) {
            print("  rejected \(reason.rawValue): \(count)")
        }
    }
}
