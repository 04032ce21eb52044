import FeedCore
import Storage

/// How hard a commit tries to survive a power cut (SQLite `synchronous`). Both survive a crash of the daemon.
public enum Durability: String, Sendable, Codable, CaseIterable {
    /// fsync on every commit: an acknowledged reading survives a power cut.
    case full
    /// fsync at checkpoints only: faster; a power cut may lose the last commits (a daemon crash cannot).
    case normal
}

/// Problems opening the store, worded for the operator.
public struct StoreError: EnvironmentalFailure, CustomStringConvertible, Sendable {
    /// The store's file.
    public var path: String
    /// What is wrong with it, and what to do.
    public var problem: String
    public var description: String { "store \(path): \(problem)" }
}

/// The durable log of every accepted reading, in SQLite (WAL).
///
/// Two tables, so that a commit's cost follows the readings it carries, not how many series they touch:
/// - `recent`, clustered by (time, series): readings come in about in time order, so a burst's rows land
///   together at the table's end, a few pages whatever the number of series (a table clustered by series
///   first wrote one page per series touched: 3.7 KB a reading with 4,000 series).
/// - `chunks`, one row per series and hour (a span), its readings compressed (``ChunkCodec``), clustered by
///   series: what ``compact(before:)`` moves out of `recent` once the span is complete, so that restoring and
///   querying a series reads its chunks in order.
///
/// A reading is in exactly one of the two. The same series and time twice is stored once: `recent`'s key
/// refuses it, and a reading of a span already compacted is looked up in its chunk first.
///
/// The file is marked with an application id; a file that is not ours is refused, never overwritten.
final class ReadingLog {
    /// 'CFDS' — marks the file as a CityFeeds store.
    static let applicationID: Int64 = 0x4346_4453
    /// A chunk holds one series' readings of one span of this many milliseconds (an hour).
    static let spanMilliseconds: Int64 = 3_600_000
    /// Each migration takes the schema from its index + 1 to index + 2; the first creates version 1.
    static let migrations: [String] = [
        // 1: readings and their series.
        """
        CREATE TABLE series (
            id INTEGER PRIMARY KEY,
            sensor TEXT NOT NULL,
            metric TEXT NOT NULL,
            UNIQUE (sensor, metric)
        );
        CREATE TABLE readings (
            series INTEGER NOT NULL REFERENCES series (id),
            t INTEGER NOT NULL,
            value REAL NOT NULL,
            received INTEGER NOT NULL
        );
        CREATE UNIQUE INDEX readings_identity ON readings (series, t);
        """,
        // 2: what the maintenance did last (retention runs), so that an operator can see it survive restarts.
        """
        CREATE TABLE maintenance (
            name TEXT PRIMARY KEY,
            value TEXT NOT NULL,
            at INTEGER NOT NULL
        );
        """,
        // 3: readings clustered by (series, time). A rowid table with a separate unique index made every
        // restored row a random lookup (10 million rows: 28 s); clustered, a series reads sequentially, and an
        // insert updates one B-tree instead of two.
        """
        CREATE TABLE readings_clustered (
            series INTEGER NOT NULL REFERENCES series (id),
            t INTEGER NOT NULL,
            value REAL NOT NULL,
            received INTEGER NOT NULL,
            PRIMARY KEY (series, t)
        ) WITHOUT ROWID;
        INSERT INTO readings_clustered (series, t, value, received) SELECT series, t, value, received FROM readings;
        DROP TABLE readings;
        ALTER TABLE readings_clustered RENAME TO readings;
        """,
        // 4: recent readings clustered by time, and compacted chunks per series and hour. The readings of
        // version 3 become recent ones; compaction moves them into chunks, a span at a time.
        """
        CREATE TABLE recent (
            t INTEGER NOT NULL,
            series INTEGER NOT NULL,
            value REAL NOT NULL,
            received INTEGER NOT NULL,
            PRIMARY KEY (t, series)
        ) WITHOUT ROWID;
        INSERT INTO recent (t, series, value, received) SELECT t, series, value, received FROM readings ORDER BY t, series;
        DROP TABLE readings;
        CREATE TABLE chunks (
            series INTEGER NOT NULL,
            span INTEGER NOT NULL,
            count INTEGER NOT NULL,
            first_t INTEGER NOT NULL,
            last_t INTEGER NOT NULL,
            body BLOB NOT NULL,
            PRIMARY KEY (series, span)
        ) WITHOUT ROWID;
        """,
    ]
    static var schemaVersion: Int64 { Int64(migrations.count) }

    private let database: SQLiteDatabase
    private var seriesIDs: [SeriesKey: Int64] = [:]
    private var seriesKeysByID: [Int64: SeriesKey] = [:]
    /// Every span before this one has been compacted at least once: a reading older than it may have its
    /// twin in a chunk.
    private(set) var compactedBefore: Int64 = .min
    /// Per series, the times of its rows in `recent` (a superset: a rolled-back insert may leave one behind).
    /// `recent` is clustered by time, so a query of one series looks its rows up by (time, series) instead of
    /// reading every series' rows: 8 bytes a recent reading, a few hours' worth, dropped as they are compacted.
    private var recentTimes: [Int64: [Int64]] = [:]
    /// The recent readings read at open, until the restore takes them.
    private var openedRecent: [SeriesKey: [Sample]]?

    init(path: String, durability: Durability) throws {
        do {
            database = try SQLiteDatabase(path: path)
            try Self.prepareSchema(database, path: path)
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try loadSeriesIDs()
            openedRecent = try scanRecent()
            let horizon = try database.statement("SELECT max(span) FROM chunks")
            if try horizon.step(), !horizon.isNull(at: 0) {
                compactedBefore = horizon.int64(at: 0) + Self.spanMilliseconds
            }
            horizon.reset()
        } catch let error as SQLiteError where error.isCorruptOrForeign {
            throw StoreError(
                path: path, problem: "not a SQLite database, or damaged (\(error.message)); left untouched")
        }
    }

    private static func prepareSchema(_ database: SQLiteDatabase, path: String) throws {
        do {
            try database.migrate(applicationID: applicationID, migrations: migrations)
        } catch let problem as SchemaProblem {
            throw StoreError(path: path, problem: "\(problem)")
        }
    }

    private func loadSeriesIDs() throws {
        seriesIDs.removeAll()
        seriesKeysByID.removeAll()
        let statement = try database.statement("SELECT id, sensor, metric FROM series")
        defer { statement.reset() }
        while try statement.step() {
            guard let metric = Metric(rawValue: statement.string(at: 2)) else { continue }
            let key = SeriesKey(sensor: SensorID(statement.string(at: 1)), metric: metric)
            seriesIDs[key] = statement.int64(at: 0)
            seriesKeysByID[statement.int64(at: 0)] = key
        }
    }

    private func loadRecentTimes() throws {
        _ = try scanRecent()
    }

    /// One pass over `recent`: rebuilds the recent times, and returns the readings by series.
    private func scanRecent() throws -> [SeriesKey: [Sample]] {
        recentTimes.removeAll()
        let select = try database.statement("SELECT series, t, value FROM recent")
        defer { select.reset() }
        var result: [SeriesKey: [Sample]] = [:]
        while try select.step() {
            let (series, time) = (select.int64(at: 0), select.int64(at: 1))
            recentTimes[series, default: []].append(time)
            guard let key = seriesKeysByID[series] else { continue }
            result[key, default: []].append(Sample(time: Timestamp(milliseconds: time), value: select.double(at: 2)))
        }
        return result
    }

    /// `series`' rows of `recent` at or after `since`, oldest first, looked up one by one.
    private func recentSamples(of series: Int64, since: Int64) throws -> [StoredSample] {
        guard let times = recentTimes[series] else { return [] }
        let select = try database.statement("SELECT value, received FROM recent WHERE t = ? AND series = ?")
        defer { select.reset() }
        var result: [StoredSample] = []
        for time in times.filter({ $0 >= since }).sorted() {
            try select.bind(time, at: 1)
            try select.bind(series, at: 2)
            if try select.step() {
                result.append(StoredSample(time: time, value: select.double(at: 0), received: select.int64(at: 1)))
            }
            select.reset()
        }
        return result
    }

    private func seriesID(for key: SeriesKey) throws -> Int64 {
        if let id = seriesIDs[key] { return id }
        let insert = try database.statement("INSERT INTO series (sensor, metric) VALUES (?, ?) RETURNING id")
        defer { insert.reset() }
        try insert.bind(key.sensor.rawValue, at: 1)
        try insert.bind(key.metric.rawValue, at: 2)
        try insert.step()
        let id = insert.int64(at: 0)
        seriesIDs[key] = id
        seriesKeysByID[id] = key
        return id
    }

    static func span(of time: Int64) -> Int64 {
        time >= 0 ? time / spanMilliseconds * spanMilliseconds : ((time + 1) / spanMilliseconds - 1) * spanMilliseconds
    }

    // MARK: Writing

    /// Appends `readings` in one transaction. Returns, per reading, whether it was new (false: already stored).
    func append(_ readings: [Reading]) throws -> [Bool] {
        do {
            return try insertAll(readings)
        } catch {
            // The rollback also undid any series rows created in the transaction: forget their ids. (Their
            // recent times may stay behind: a superset is all they promise.)
            try? loadSeriesIDs()
            throw error
        }
    }

    private func insertAll(_ readings: [Reading]) throws -> [Bool] {
        try database.transaction {
            let insert = try database.statement(
                "INSERT OR IGNORE INTO recent (t, series, value, received) VALUES (?, ?, ?, ?)")
            var isNew: [Bool] = []
            isNew.reserveCapacity(readings.count)
            for reading in readings {
                let series = try seriesID(for: reading.seriesKey)
                let time = reading.time.milliseconds
                if time < compactedBefore, try chunkHolds(series: series, time: time) {
                    isNew.append(false)
                    continue
                }
                try insert.bind(time, at: 1)
                try insert.bind(series, at: 2)
                try insert.bind(reading.value, at: 3)
                try insert.bind(reading.received.milliseconds, at: 4)
                try insert.step()
                let inserted = database.changes > 0
                isNew.append(inserted)
                insert.reset()
                if inserted { recentTimes[series, default: []].append(time) }
            }
            return isNew
        }
    }

    /// Whether the chunk of `time`'s span holds a reading of `series` at `time` (late readings only).
    private func chunkHolds(series: Int64, time: Int64) throws -> Bool {
        guard let chunk = try chunk(series: series, span: Self.span(of: time)) else { return false }
        return chunk.contains { $0.time == time }
    }

    private func chunk(series: Int64, span: Int64) throws -> [StoredSample]? {
        let select = try database.statement("SELECT body FROM chunks WHERE series = ? AND span = ?")
        defer { select.reset() }
        try select.bind(series, at: 1)
        try select.bind(span, at: 2)
        guard try select.step() else { return nil }
        return try decodeChunk(select.bytes(at: 0), series: series, span: span)
    }

    private func decodeChunk(_ bytes: [UInt8], series: Int64, span: Int64) throws -> [StoredSample] {
        guard let samples = ChunkCodec.decode(bytes) else {
            throw StoreError(
                path: database.path,
                problem:
                    "the compacted chunk of series \(series) at \(span) cannot be decoded; restore the file from a backup"
            )
        }
        return samples
    }

    /// The next span to compact: the oldest in `recent`, if it ends at or before `limit` (milliseconds).
    func nextSpanToCompact(endingBy limit: Int64) throws -> Int64? {
        let select = try database.statement("SELECT min(t) FROM recent")
        defer { select.reset() }
        guard try select.step(), !select.isNull(at: 0) else { return nil }
        let span = Self.span(of: select.int64(at: 0))
        return span <= limit - Self.spanMilliseconds ? span : nil
    }

    /// The newest time in `recent`, if any.
    func newestRecentTime() throws -> Int64? {
        let select = try database.statement("SELECT max(t) FROM recent")
        defer { select.reset() }
        guard try select.step(), !select.isNull(at: 0) else { return nil }
        return select.int64(at: 0)
    }

    /// Moves the readings of one span from `recent` into chunks, merging with a chunk the span already has (late
    /// readings), in one transaction. Returns how many readings moved.
    func compact(span: Int64) throws -> Int {
        try keepingRecentTimesTrue { try compactInTransaction(span: span) }
    }

    /// Runs `body`; if it fails (its transaction rolled back), the recent times are read again from the table,
    /// since `body` may have dropped some whose rows stay.
    private func keepingRecentTimesTrue<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch {
            try? loadRecentTimes()
            throw error
        }
    }

    private func compactInTransaction(span: Int64) throws -> Int {
        try database.transaction {
            let select = try database.statement(
                "SELECT series, t, value, received FROM recent WHERE t >= ? AND t < ?")
            try select.bind(span, at: 1)
            try select.bind(span + Self.spanMilliseconds, at: 2)
            var bySeries: [Int64: [StoredSample]] = [:]
            var moved = 0
            while try select.step() {
                bySeries[select.int64(at: 0), default: []].append(
                    StoredSample(time: select.int64(at: 1), value: select.double(at: 2), received: select.int64(at: 3)))
                moved += 1
            }
            select.reset()
            let upsert = try database.statement(
                """
                INSERT INTO chunks (series, span, count, first_t, last_t, body) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (series, span) DO UPDATE SET count = excluded.count, first_t = excluded.first_t,
                    last_t = excluded.last_t, body = excluded.body
                """)
            for (series, fresh) in bySeries.sorted(by: { $0.key < $1.key }) {
                var samples = fresh
                if let existing = try chunk(series: series, span: span) {
                    // Recent rows never repeat a chunk's time (checked at append): a plain merge.
                    samples = (existing + fresh).sorted { $0.time < $1.time }
                }
                try upsert.bind(series, at: 1)
                try upsert.bind(span, at: 2)
                try upsert.bind(Int64(samples.count), at: 3)
                try upsert.bind(samples.first!.time, at: 4)
                try upsert.bind(samples.last!.time, at: 5)
                try upsert.bind(ChunkCodec.encode(samples), at: 6)
                try upsert.step()
                upsert.reset()
            }
            let delete = try database.statement("DELETE FROM recent WHERE t >= ? AND t < ?")
            defer { delete.reset() }
            try delete.bind(span, at: 1)
            try delete.bind(span + Self.spanMilliseconds, at: 2)
            try delete.step()
            compactedBefore = max(compactedBefore, span + Self.spanMilliseconds)
            // The span was the oldest in `recent`: its series keep only their later times.
            for series in bySeries.keys {
                recentTimes[series]?.removeAll { $0 < span + Self.spanMilliseconds }
                if recentTimes[series]?.isEmpty == true { recentTimes[series] = nil }
            }
            return moved
        }
    }

    // MARK: Reading

    var seriesKeys: [SeriesKey] { Array(seriesIDs.keys) }

    /// Every reading of `recent`, by series, oldest first. The first call after opening returns what the open
    /// read (the start reads `recent` once, not twice); later calls read it again.
    func recentBySeries() throws -> [SeriesKey: [Sample]] {
        if let opened = openedRecent {
            openedRecent = nil
            return opened
        }
        return try scanRecent()
    }

    /// A series' compacted readings, newest chunk first, until `enough` says so; each chunk's samples are
    /// passed oldest first.
    func chunksNewestFirst(_ key: SeriesKey, _ visit: (_ samples: [Sample]) -> Bool) throws {
        guard let id = seriesIDs[key] else { return }
        let select = try database.statement("SELECT span, body FROM chunks WHERE series = ? ORDER BY span DESC")
        defer { select.reset() }
        try select.bind(id, at: 1)
        while try select.step() {
            let samples = try decodeChunk(select.bytes(at: 1), series: id, span: select.int64(at: 0))
            guard visit(samples.map { Sample(time: Timestamp(milliseconds: $0.time), value: $0.value) }) else { return }
        }
    }

    /// Every sample of a series at or after `since`, oldest first.
    func samples(_ key: SeriesKey, since: Timestamp) throws -> [Sample] {
        guard let id = seriesIDs[key] else { return [] }
        var samples: [Sample] = []
        let chunks = try database.statement(
            "SELECT span, body FROM chunks WHERE series = ? AND last_t >= ? ORDER BY span")
        try chunks.bind(id, at: 1)
        try chunks.bind(since.milliseconds, at: 2)
        while try chunks.step() {
            for sample in try decodeChunk(chunks.bytes(at: 1), series: id, span: chunks.int64(at: 0))
            where sample.time >= since.milliseconds {
                samples.append(Sample(time: Timestamp(milliseconds: sample.time), value: sample.value))
            }
        }
        chunks.reset()
        let late = try recentSamples(of: id, since: since.milliseconds).map {
            Sample(time: Timestamp(milliseconds: $0.time), value: $0.value)
        }
        // Recent rows are newer than the chunks except late ones: merge in time order.
        return late.isEmpty ? samples : (samples + late).sorted { $0.time < $1.time }
    }

    /// The oldest observation time of a series.
    func oldestTime(_ key: SeriesKey) throws -> Timestamp? {
        guard let id = seriesIDs[key] else { return nil }
        var oldest: Int64?
        let chunks = try database.statement("SELECT min(first_t) FROM chunks WHERE series = ?")
        try chunks.bind(id, at: 1)
        if try chunks.step(), !chunks.isNull(at: 0) { oldest = chunks.int64(at: 0) }
        chunks.reset()
        if let first = try recentSamples(of: id, since: .min).first { oldest = min(oldest ?? .max, first.time) }
        return oldest.map { Timestamp(milliseconds: $0) }
    }

    /// Deletes a series' readings older than `cutoff`: its chunks wholly older, the older part of the chunk
    /// across the cutoff, and its recent rows older. Returns how many readings went: about `limit` at most (whole
    /// chunks), so that a transaction stays short.
    func deleteRows(of key: SeriesKey, olderThan cutoff: Timestamp, limit: Int) throws -> Int {
        guard let id = seriesIDs[key] else { return 0 }
        return try keepingRecentTimesTrue { try deleteRowsInTransaction(of: id, olderThan: cutoff, limit: limit) }
    }

    private func deleteRowsInTransaction(of id: Int64, olderThan cutoff: Timestamp, limit: Int) throws -> Int {
        try database.transaction {
            var deleted = 0
            let old = try database.statement(
                "SELECT span, count FROM chunks WHERE series = ? AND last_t < ? ORDER BY span")
            try old.bind(id, at: 1)
            try old.bind(cutoff.milliseconds, at: 2)
            var spans: [Int64] = []
            while deleted < limit, try old.step() {
                spans.append(old.int64(at: 0))
                deleted += Int(old.int64(at: 1))
            }
            old.reset()
            let delete = try database.statement("DELETE FROM chunks WHERE series = ? AND span = ?")
            for span in spans {
                try delete.bind(id, at: 1)
                try delete.bind(span, at: 2)
                try delete.step()
                delete.reset()
            }
            // The chunk across the cutoff keeps only its newer readings.
            let across = Self.span(of: cutoff.milliseconds)
            if let samples = try chunk(series: id, span: across),
                samples.contains(where: { $0.time < cutoff.milliseconds })
            {
                let kept = samples.filter { $0.time >= cutoff.milliseconds }
                deleted += samples.count - kept.count
                if kept.isEmpty {
                    try delete.bind(id, at: 1)
                    try delete.bind(across, at: 2)
                    try delete.step()
                    delete.reset()
                } else {
                    let rewrite = try database.statement(
                        "UPDATE chunks SET count = ?, first_t = ?, body = ? WHERE series = ? AND span = ?")
                    defer { rewrite.reset() }
                    try rewrite.bind(Int64(kept.count), at: 1)
                    try rewrite.bind(kept[0].time, at: 2)
                    try rewrite.bind(ChunkCodec.encode(kept), at: 3)
                    try rewrite.bind(id, at: 4)
                    try rewrite.bind(across, at: 5)
                    try rewrite.step()
                }
            }
            let recent = try database.statement("DELETE FROM recent WHERE t = ? AND series = ?")
            defer { recent.reset() }
            for time in recentTimes[id, default: []] where time < cutoff.milliseconds {
                try recent.bind(time, at: 1)
                try recent.bind(id, at: 2)
                try recent.step()
                deleted += database.changes
                recent.reset()
            }
            recentTimes[id]?.removeAll { $0 < cutoff.milliseconds }
            return deleted
        }
    }

    /// Bytes the database's live pages take (deleted rows' pages are reused before the file grows).
    func usedBytes() throws -> Int {
        let pages = try database.pragmaInteger("page_count") - database.pragmaInteger("freelist_count")
        return Int(pages * (try database.pragmaInteger("page_size")))
    }

    /// Remembers what a maintenance task did, in the database itself.
    func recordMaintenance(_ name: String, _ value: String, at time: Timestamp) throws {
        let upsert = try database.statement(
            "INSERT INTO maintenance (name, value, at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value, at = excluded.at"
        )
        defer { upsert.reset() }
        try upsert.bind(name, at: 1)
        try upsert.bind(value, at: 2)
        try upsert.bind(time.milliseconds, at: 3)
        try upsert.step()
    }

    /// Total readings stored, compacted or recent.
    func count() throws -> Int {
        let query = try database.statement(
            "SELECT (SELECT count(*) FROM recent) + (SELECT coalesce(sum(count), 0) FROM chunks)")
        defer { query.reset() }
        try query.step()
        return Int(query.int64(at: 0))
    }

    func close() {
        try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
    }
}
