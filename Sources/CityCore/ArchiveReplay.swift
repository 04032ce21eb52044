import Alerts
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
package struct ArchiveReplay {
    /// What a replay read, stored, left out and rejected, and the time span of its data.
    package struct Summary: Sendable, Equatable {
        /// Records read from the archives.
        package var read = 0
        /// Readings new to the store.
        package var stored = 0
        /// Readings the store already held.
        package var duplicates = 0
        /// Older than what their series already held (the store had newer data): kept, decided nothing.
        package var late = 0
        /// Records refused, by reason.
        package var rejectedByReason: [RejectionReason: Int] = [:]
        /// Spill events the archive marks not genuine, left out.
        package var notGenuine = 0
        /// Alert transitions the replay recorded (as history).
        package var alertTransitions: Int64 = 0
        /// The earliest observation replayed.
        package var first: Timestamp?
        /// The latest observation replayed.
        package var last: Timestamp?

        /// Records refused, all reasons.
        package var rejected: Int { rejectedByReason.values.reduce(0, +) }
    }

    /// How far a replay has come, for a progress line.
    package struct Progress: Sendable {
        /// Records applied so far.
        package var done: Int
        /// Records to apply.
        package var total: Int
        /// The observation time reached.
        package var dataTime: Timestamp
    }

    let configuration: DaemonConfiguration
    let logger: Logger
    var batchSize = 2_000

    /// A replay into `configuration`'s data directory (the daemon must not be running: the directory is locked).
    package init(configuration: DaemonConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Replays `archives`; `checkpoint` is called with the store and alerts as they stand once every reading
    /// up to each batch's start is applied (the moments a live daemon would have been at).
    package func run(
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
            routes: configuration.ingest.routes, sensors: configuration.sensorSpecs,
            aliases: configuration.ingest.aliases,
            policy: configuration.ingest.policy)
        let sequenceBefore = alerts.lastSequence

        var summary = Summary()
        var readings: [Reading] = []
        for archive in archives {
            summary.read += archive.contents.records.count + archive.contents.rejected.count
            summary.notGenuine += archive.contents.notGenuine
            for (line, rejection) in archive.contents.rejected {
                summary.rejectedByReason[rejection.reason, default: 0] += 1
                logger.warning(
                    "archive line rejected", metadata: ["archive": "\(archive.name):\(line)", "reason": "\(rejection)"])
            }
            for record in archive.contents.records {
                do throws(Rejection) {
                    readings.append(try pipeline.accept(record, received: record.time))
                } catch {
                    summary.rejectedByReason[error.reason, default: 0] += 1
                    if summary.rejected <= 20 {
                        logger.warning(
                            "archive reading rejected",
                            metadata: ["archive": "\(archive.name):\(record.line)", "reason": "\(error)"])
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
        // The archive's complete hours go into chunks now, rather than when the daemon next starts.
        try store.compact()
        return summary
    }
}
