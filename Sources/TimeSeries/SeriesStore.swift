import FeedCore
import Synchronization

/// Where and how the store keeps its data.
public struct SeriesStoreConfiguration: Sendable {
    /// The SQLite file.
    public var path: String
    public var durability: Durability = .full
    /// Samples kept in memory per series (the newest ones); the durable log keeps everything.
    public var ringCapacity: Int = 2_880

    public init(path: String, durability: Durability = .full, ringCapacity: Int = 2_880) {
        self.path = path
        self.durability = durability
        self.ringCapacity = ringCapacity
    }
}

/// What an append did.
public struct AppendResult: Sendable, Equatable {
    /// Readings stored for the first time.
    public var new: [Reading]
    /// Readings the store already had (redeliveries, repeats).
    public var duplicates: Int
}

/// Every accepted reading, durable in SQLite and the newest of each series in memory.
///
/// `append` is the commit that MQTT acknowledgements wait for: it returns only once SQLite has committed.
/// Memory is updated after the commit, so a query never shows a reading that a crash could still take back.
/// Reads never wait for a commit: the log and the rings have locks of their own.
public final class SeriesStore: Sendable {
    private let log: Mutex<ReadingLog?>
    private let rings: Mutex<[SeriesKey: SeriesRing]>
    private let configuration: SeriesStoreConfiguration

    /// Opens (or creates) the store and rebuilds the in-memory series from it.
    public init(configuration: SeriesStoreConfiguration) throws {
        self.configuration = configuration
        let log = try ReadingLog(path: configuration.path, durability: configuration.durability)
        var rings: [SeriesKey: SeriesRing] = [:]
        for key in log.seriesKeys {
            var ring = SeriesRing(capacity: configuration.ringCapacity)
            let newest = try log.newest(key, limit: configuration.ringCapacity)
            for sample in newest {
                ring.insert(sample)
            }
            // A full load may have left older rows in the log: the ring is then not the whole history.
            ring.isTruncated = newest.count == configuration.ringCapacity
            rings[key] = ring
        }
        self.log = Mutex(log)
        self.rings = Mutex(rings)
    }

    /// Makes `readings` durable in one transaction, then adds the new ones to memory.
    public func append(_ readings: [Reading]) throws -> AppendResult {
        guard !readings.isEmpty else { return AppendResult(new: [], duplicates: 0) }
        let isNew = try log.withLock { log in
            guard let log else { throw StoreError(path: configuration.path, problem: "closed") }
            return try log.append(readings)
        }
        let new = zip(readings, isNew).compactMap { $1 ? $0 : nil }
        let capacity = configuration.ringCapacity
        rings.withLock { rings in
            for reading in new {
                rings[reading.seriesKey, default: SeriesRing(capacity: capacity)]
                    .insert(Sample(time: reading.time, value: reading.value))
            }
        }
        return AppendResult(new: new, duplicates: readings.count - new.count)
    }

    /// The newest sample of a series.
    public func latest(_ key: SeriesKey) -> Sample? {
        rings.withLock { $0[key]?.last }
    }

    /// In-memory samples of a series with `from <= time <= to`, oldest first.
    public func samples(_ key: SeriesKey, from: Timestamp, to: Timestamp) -> [Sample] {
        rings.withLock { $0[key]?.samples(from: from, to: to) ?? [] }
    }

    /// Every in-memory sample of a series, oldest first, and whether older ones exist that memory no longer
    /// holds (rules that must not miss an event, such as the discharge hold, need to know).
    public func history(_ key: SeriesKey) -> (samples: [Sample], truncated: Bool) {
        rings.withLock { rings in
            guard let ring = rings[key] else { return ([], false) }
            return (ring.all, ring.isTruncated)
        }
    }

    /// The series that have at least one sample.
    public var keys: [SeriesKey] {
        rings.withLock { Array($0.keys) }.sorted()
    }

    /// Rows in the durable log.
    public func storedCount() throws -> Int {
        try log.withLock { log in
            guard let log else { throw StoreError(path: configuration.path, problem: "closed") }
            return try log.count()
        }
    }

    /// Checkpoints the WAL and closes the file. Later appends throw.
    public func close() {
        log.withLock { log in
            log?.close()
            log = nil
        }
    }
}
