import FeedCore

/// How long and how much the durable log keeps.
public struct RetentionPolicy: Sendable, Equatable {
    /// Per series class (`parking`, `water`, `sewer`, `rain`): rows older than this are deleted.
    public var maxAgeSeconds: [String: Double]
    /// When the live pages exceed this, the oldest rows go first, a day at a time, whatever their class.
    public var maxBytes: Int

    /// A policy of ages by class and a size bound.
    public init(maxAgeSeconds: [String: Double], maxBytes: Int) {
        self.maxAgeSeconds = maxAgeSeconds
        self.maxBytes = maxBytes
    }

    /// Parking and rain a year and a month; water samples and sewer events four years and a month, since the
    /// EU classification looks back four seasons; 4 GiB in all.
    public static let defaults = RetentionPolicy(
        maxAgeSeconds: [
            "parking": 400 * 86_400, "rain": 400 * 86_400, "water": 1_500 * 86_400, "sewer": 1_500 * 86_400,
        ],
        maxBytes: 4 << 30)
}

/// What a retention run deleted.
public struct RetentionReport: Sendable, Equatable {
    /// Readings deleted for being older than their class keeps.
    public var deletedByAge = 0
    /// Readings deleted, oldest first, to bring the file under its size bound.
    public var deletedForSize = 0
    /// The file's size in use afterwards.
    public var usedBytes = 0
}

extension SeriesStore {
    /// Deletes what the policy no longer keeps, in small transactions so that commits (and the MQTT
    /// acknowledgements waiting for them) are never held up for long. Memory is left as it is: it is bounded on
    /// its own and holds only the newest samples.
    public func enforceRetention(
        _ policy: RetentionPolicy, now: Timestamp, batch: Int = 5_000
    ) throws -> RetentionReport {
        var report = RetentionReport()
        for key in try withLog({ $0.seriesKeys }) {
            guard let age = policy.maxAgeSeconds[SeriesLayout.className(of: key.metric)] else { continue }
            let cutoff = now.adding(seconds: -age)
            while true {
                let deleted = try deleteRows(of: key, olderThan: cutoff, batch: batch)
                report.deletedByAge += deleted
                if deleted < batch { break }
            }
        }
        // Over the size bound: move a common cutoff forward a day at a time from the oldest row.
        var used = try withLog { try $0.usedBytes() }
        while used > policy.maxBytes {
            let keys = try withLog { $0.seriesKeys }
            let oldest = try keys.compactMap { key in try withLog { try $0.oldestTime(key) } }.min()
            guard let oldest else { break }
            let cutoff = oldest.adding(seconds: 86_400)
            var deletedThisRound = 0
            for key in keys {
                while true {
                    let deleted = try deleteRows(of: key, olderThan: cutoff, batch: batch)
                    deletedThisRound += deleted
                    if deleted < batch { break }
                }
            }
            report.deletedForSize += deletedThisRound
            used = try withLog { try $0.usedBytes() }
            if deletedThisRound == 0 { break }
        }
        report.usedBytes = used
        try withLog {
            try $0.recordMaintenance(
                "retention",
                "deleted \(report.deletedByAge) by age, \(report.deletedForSize) for size; \(used) bytes used",
                at: now)
        }
        return report
    }

    /// One batch of deletions, taken off the running row count in the same critical section.
    private func deleteRows(of key: SeriesKey, olderThan cutoff: Timestamp, batch: Int) throws -> Int {
        try withLog { log in
            let deleted = try log.deleteRows(of: key, olderThan: cutoff, limit: batch)
            forgetRows(deleted)
            return deleted
        }
    }
}
