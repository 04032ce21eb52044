import FeedCore
import Synchronization

/// Where and how the store keeps its data.
public struct SeriesStoreConfiguration: Sendable {
    /// The SQLite file.
    public var path: String
    /// When commits reach the disk.
    public var durability: Durability
    /// What each series keeps in memory.
    public var layout: SeriesLayout

    /// A store in the SQLite file at `path`.
    public init(path: String, durability: Durability = .full, layout: SeriesLayout = .defaults) {
        self.path = path
        self.durability = durability
        self.layout = layout
    }

    /// Every class with `ringCapacity` raw samples: for tests and small tools.
    public init(path: String, durability: Durability = .full, ringCapacity: Int) {
        self.init(path: path, durability: durability, layout: SeriesLayout.defaults.withRawCapacity(ringCapacity))
    }
}

/// What an append did.
public struct AppendResult: Sendable, Equatable {
    /// Readings stored for the first time.
    public var new: [Reading]
    /// Readings the store already had (redeliveries, repeats).
    public var duplicates: Int
    /// New readings older than their series' newest sample when they came: stored in their place in time,
    /// never taken for the current figure.
    public var late: Int = 0
}

/// Memory held by the in-memory series.
public struct MemoryReport: Sendable, Equatable {
    /// Series held.
    public var series: Int
    /// Raw samples held, all series together.
    public var samples: Int
    /// Bytes held by the samples and the rollups.
    public var bytes: Int
    /// Readings older than what their raw series still held: kept in the log and the rollups, not in memory.
    public var late: Int
}

/// Every accepted reading, durable in SQLite, and each series' newest samples and rollups in memory.
///
/// `append` is the commit that MQTT acknowledgements wait for: it returns only once SQLite has committed.
/// Memory is updated after the commit, so a query never shows a reading that a crash could still take back.
/// Reads never wait for a commit: the log and the memory have locks of their own.
public final class SeriesStore: Sendable {
    private let log: Mutex<ReadingLog?>
    /// Rows in the log, counted once on first request and kept up to date by appends and retention; changed
    /// only under the log's lock, so it never disagrees with the file. (`count(*)` on every health check would
    /// scan millions of rows while commits wait.)
    private let rowCount = Mutex<Int?>(nil)
    private let memory: Mutex<[SeriesKey: SeriesMemory]>
    /// Readings added to memory since the store opened: a cheap "has anything changed?" for caches.
    private let appended = Atomic<Int64>(0)
    /// Numbers the appends that reach memory, each its own, so that a series' revision names its last change.
    private let revisions = Atomic<Int64>(0)
    let configuration: SeriesStoreConfiguration

    /// Opens (or creates) the store and rebuilds the in-memory series from it: the newest raw samples, and
    /// every sample within the longest rollup's span for the rollups.
    public init(configuration: SeriesStoreConfiguration, now: Timestamp = .now) throws {
        self.configuration = configuration
        let log = try ReadingLog(path: configuration.path, durability: configuration.durability)
        var memory: [SeriesKey: SeriesMemory] = [:]
        // One pass over the recent readings, then each series' chunks, newest first, as far back as its raw
        // samples and its longest rollup reach.
        let recent = try log.recentBySeries()
        for key in log.seriesKeys {
            var series = SeriesMemory(metric: key.metric, layout: configuration.layout)
            let capacity = series.seriesClass.rawCapacity
            let span = series.seriesClass.rollups.map { Double($0.stepSeconds) * Double($0.capacity) }.max() ?? 0
            let rollupsFrom = now.adding(seconds: -span)
            var chunks: [[Sample]] = []
            var held = recent[key]?.count ?? 0
            try log.chunksNewestFirst(key) { samples in
                chunks.append(samples)
                held += samples.count
                return held < capacity || (samples.first.map { $0.time > rollupsFrom } ?? true)
            }
            var samples = chunks.reversed().flatMap { $0 } + (recent[key] ?? [])
            // Recent readings are newer than the chunks, but for late ones.
            if zip(samples, samples.dropFirst()).contains(where: { $0.time > $1.time }) {
                samples.sort { $0.time < $1.time }
            }
            for sample in samples.suffix(capacity) { series.raw.insert(series.encode(sample)) }
            // A full load may have left older readings in the log: the raw series is then not the whole history.
            if samples.count >= capacity { series.raw.markOlderSamplesExist() }
            if span > 0 {
                for sample in samples where sample.time >= rollupsFrom {
                    let time = series.encodeTime(sample.time)
                    for index in series.rollups.indices { series.rollups[index].add(sample.value, time: time) }
                }
            }
            memory[key] = series
        }
        self.log = Mutex(log)
        self.memory = Mutex(memory)
    }

    /// Makes `readings` durable in one transaction, then adds the new ones to memory.
    public func append(_ readings: [Reading]) throws -> AppendResult {
        guard !readings.isEmpty else { return AppendResult(new: [], duplicates: 0) }
        let isNew = try log.withLock { log in
            guard let log else { throw StoreError(path: configuration.path, problem: "closed") }
            let isNew = try log.append(readings)
            let added = isNew.filter { $0 }.count
            rowCount.withLock { count in count = count.map { $0 + added } }
            return isNew
        }
        let new = zip(readings, isNew).compactMap { $1 ? $0 : nil }
        defer { appended.add(Int64(new.count), ordering: .releasing) }
        let layout = configuration.layout
        // Taken before memory changes: a reader that sees the new revision finds the new samples with it.
        let revision = revisions.add(1, ordering: .relaxed).newValue
        let late = memory.withLock { memory in
            var late = 0
            for reading in new {
                // One lookup per reading: the series is found (or made) and changed in place.
                let wasLate = memory[reading.seriesKey, default: SeriesMemory(metric: reading.metric, layout: layout)]
                    .add(Sample(time: reading.time, value: reading.value), revision: revision)
                if wasLate { late += 1 }
            }
            return late
        }
        return AppendResult(new: new, duplicates: readings.count - new.count, late: late)
    }

    /// Moves complete spans (hours) of readings from the recent table into compressed chunks per series, a
    /// span per transaction, leaving the log's lock between spans so that commits are never held up for
    /// long; the newest two spans stay recent (late readings of them cost a plain insert). Returns how many
    /// readings moved. Queries and restarts read both tables: nothing changes for them.
    /// `shouldContinue` is asked between spans: a shutdown stops after the span in progress.
    @discardableResult
    public func compact(while shouldContinue: () -> Bool = { true }) throws -> Int {
        var moved = 0
        while shouldContinue() {
            let step = try withLog { log -> Int? in
                // The span of the newest reading and the one before it stay.
                guard let newest = try log.newestRecentTime(),
                    let span = try log.nextSpanToCompact(
                        endingBy: ReadingLog.span(of: newest) - ReadingLog.spanMilliseconds)
                else { return nil }
                return try log.compact(span: span)
            }
            guard let step else { return moved }
            moved += step
        }
        return moved
    }

    /// Changes whenever new readings reach memory (and only then).
    public var version: Int64 { appended.load(ordering: .acquiring) }

    /// The revision of the last append that changed any of `keys` in memory (0: none since the store opened).
    /// Each append has its own, larger than every earlier one, so an answer computed from these series after
    /// reading their revision is current as long as the revision stays the same. One lock for all the keys.
    public func revision(of keys: some Sequence<SeriesKey>) -> Int64 {
        memory.withLock { memory in keys.reduce(0) { max($0, memory[$1]?.revision ?? 0) } }
    }

    /// The newest sample of a series (at the in-memory resolution).
    public func latest(_ key: SeriesKey) -> Sample? {
        memory.withLock { memory in
            guard let series = memory[key], let last = series.raw.last else { return nil }
            return series.decode(last)
        }
    }

    /// The newest sample at or before `time` (at the in-memory resolution): what was known then.
    public func latest(_ key: SeriesKey, atOrBefore time: Timestamp) -> Sample? {
        memory.withLock { memory in
            guard let series = memory[key], let last = series.raw.last else { return nil }
            let limit = series.encodeTime(time)
            if last.time <= limit { return series.decode(last) }
            // Look back a day at a time until something is found or the shown samples run out.
            guard let first = series.raw.first, first.time <= limit else { return nil }
            var from = limit - 86_400_000 / series.timeUnit
            while true {
                if let found = series.raw.samples(from: from, to: limit).last { return series.decode(found) }
                if from <= first.time { return nil }
                from -= 86_400_000 / series.timeUnit
            }
        }
    }

    /// In-memory raw samples of a series with `from <= time <= to`, oldest first.
    public func samples(_ key: SeriesKey, from: Timestamp, to: Timestamp) -> [Sample] {
        memory.withLock { memory in
            guard let series = memory[key] else { return [] }
            return series.raw.samples(from: series.encodeTime(from), to: series.encodeTime(to)).map(series.decode)
        }
    }

    /// Every durable sample of a series at or after `since`, at full resolution, read from SQLite: for rules
    /// that look further back than memory holds, such as the bathing-water classification over four seasons.
    public func storedSamples(_ key: SeriesKey, since: Timestamp) throws -> [Sample] {
        try log.withLock { log in
            guard let log else { throw StoreError(path: configuration.path, problem: "closed") }
            return try log.samples(key, since: since)
        }
    }

    /// Every in-memory raw sample of a series, oldest first, and whether older ones exist that memory no
    /// longer holds (rules that must not miss an event, such as the discharge hold, need to know).
    public func history(_ key: SeriesKey) -> (samples: [Sample], truncated: Bool) {
        memory.withLock { memory in
            guard let series = memory[key] else { return ([], false) }
            return (series.raw.all().map(series.decode), series.raw.isTruncated)
        }
    }

    /// The series that have at least one sample.
    public var keys: [SeriesKey] {
        memory.withLock { Array($0.keys) }.sorted()
    }

    /// What the in-memory series hold and cost.
    public var memoryReport: MemoryReport {
        memory.withLock { memory in
            MemoryReport(
                series: memory.count, samples: memory.values.reduce(0) { $0 + $1.raw.count },
                bytes: memory.values.reduce(0) { $0 + $1.byteCount }, late: memory.values.reduce(0) { $0 + $1.late })
        }
    }

    /// Rows in the durable log.
    public func storedCount() throws -> Int {
        try log.withLock { log in
            guard let log else { throw StoreError(path: configuration.path, problem: "closed") }
            if let known = rowCount.withLock({ $0 }) { return known }
            let counted = try log.count()
            rowCount.withLock { $0 = counted }
            return counted
        }
    }

    /// Takes rows deleted by maintenance off the running count; call under the log's lock.
    func forgetRows(_ deleted: Int) {
        rowCount.withLock { count in count = count.map { $0 - deleted } }
    }

    /// Checkpoints the WAL and closes the file. Later appends throw.
    public func close() {
        log.withLock { log in
            log?.close()
            log = nil
        }
    }

    /// Runs `body` on the open log under its lock.
    func withLog<T: Sendable>(_ body: (ReadingLog) throws -> T) throws -> T {
        try log.withLock { log in
            guard let log else { throw StoreError(path: configuration.path, problem: "closed") }
            return try body(log)
        }
    }

    /// Runs `body` on a series' memory under the lock; `nil` when the series has no samples.
    func withSeries<T: Sendable>(_ key: SeriesKey, _ body: (borrowing SeriesMemory) -> T) -> T? {
        memory.withLock { memory -> T? in
            guard let series = memory[key] else { return nil }
            return body(series)
        }
    }
}
