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
/// The file is marked with an application id; a file that is not ours is refused, never overwritten.
final class ReadingLog {
    /// 'CFDS' — marks the file as a CityFeeds store.
    static let applicationID: Int64 = 0x4346_4453
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
    ]
    static var schemaVersion: Int64 { Int64(migrations.count) }

    private let database: SQLiteDatabase
    private var seriesIDs: [SeriesKey: Int64] = [:]

    init(path: String, durability: Durability) throws {
        do {
            database = try SQLiteDatabase(path: path)
            try Self.prepareSchema(database, path: path)
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
            try loadSeriesIDs()
        } catch let error as SQLiteError where error.isCorruptOrForeign {
            throw StoreError(
                path: path, problem: "not a SQLite database, or damaged (\(error.message)); left untouched")
        }
    }

    private static func prepareSchema(_ database: SQLiteDatabase, path: String) throws {
        do {
            try database.migrate(applicationID: applicationID, migrations: migrations)
        } catch SchemaProblem.foreign {
            throw StoreError(path: path, problem: "this SQLite file belongs to another application; left untouched")
        } catch SchemaProblem.newer(let found, let supported) {
            throw StoreError(
                path: path, problem: "schema version \(found) is newer than this daemon understands (\(supported))")
        }
    }

    private func loadSeriesIDs() throws {
        let statement = try database.statement("SELECT id, sensor, metric FROM series")
        defer { statement.reset() }
        while try statement.step() {
            guard let metric = Metric(rawValue: statement.string(at: 2)) else { continue }
            seriesIDs[SeriesKey(sensor: SensorID(statement.string(at: 1)), metric: metric)] = statement.int64(at: 0)
        }
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
        return id
    }

    /// Appends `readings` in one transaction. Returns, per reading, whether it was new (false: already stored).
    func append(_ readings: [Reading]) throws -> [Bool] {
        do {
            return try insertAll(readings)
        } catch {
            // The rollback also undid any series rows created in the transaction: forget their ids.
            seriesIDs.removeAll()
            try? loadSeriesIDs()
            throw error
        }
    }

    private func insertAll(_ readings: [Reading]) throws -> [Bool] {
        try database.transaction {
            let insert = try database.statement(
                "INSERT OR IGNORE INTO readings (series, t, value, received) VALUES (?, ?, ?, ?)")
            var isNew: [Bool] = []
            isNew.reserveCapacity(readings.count)
            for reading in readings {
                try insert.bind(try seriesID(for: reading.seriesKey), at: 1)
                try insert.bind(reading.time.milliseconds, at: 2)
                try insert.bind(reading.value, at: 3)
                try insert.bind(reading.received.milliseconds, at: 4)
                try insert.step()
                isNew.append(database.changes > 0)
                insert.reset()
            }
            return isNew
        }
    }

    var seriesKeys: [SeriesKey] { Array(seriesIDs.keys) }

    /// The newest `limit` samples of a series, oldest first.
    func newest(_ key: SeriesKey, limit: Int) throws -> [Sample] {
        guard let id = seriesIDs[key] else { return [] }
        let query = try database.statement("SELECT t, value FROM readings WHERE series = ? ORDER BY t DESC LIMIT ?")
        defer { query.reset() }
        try query.bind(id, at: 1)
        try query.bind(Int64(limit), at: 2)
        var samples: [Sample] = []
        while try query.step() {
            samples.append(Sample(time: Timestamp(milliseconds: query.int64(at: 0)), value: query.double(at: 1)))
        }
        return samples.reversed()
    }

    /// Every sample of a series at or after `since`, oldest first.
    func samples(_ key: SeriesKey, since: Timestamp) throws -> [Sample] {
        guard let id = seriesIDs[key] else { return [] }
        let query = try database.statement("SELECT t, value FROM readings WHERE series = ? AND t >= ? ORDER BY t")
        defer { query.reset() }
        try query.bind(id, at: 1)
        try query.bind(since.milliseconds, at: 2)
        var samples: [Sample] = []
        while try query.step() {
            samples.append(Sample(time: Timestamp(milliseconds: query.int64(at: 0)), value: query.double(at: 1)))
        }
        return samples
    }

    /// The oldest observation time of a series.
    func oldestTime(_ key: SeriesKey) throws -> Timestamp? {
        guard let id = seriesIDs[key] else { return nil }
        let query = try database.statement("SELECT min(t) FROM readings WHERE series = ?")
        defer { query.reset() }
        try query.bind(id, at: 1)
        guard try query.step(), !query.isNull(at: 0) else { return nil }
        return Timestamp(milliseconds: query.int64(at: 0))
    }

    /// Deletes at most `limit` rows of a series older than `cutoff` (its oldest first); returns how many.
    func deleteRows(of key: SeriesKey, olderThan cutoff: Timestamp, limit: Int) throws -> Int {
        guard let id = seriesIDs[key] else { return 0 }
        // The time of the row just past the first `limit` old ones bounds this batch.
        let bound = try database.statement(
            "SELECT t FROM readings WHERE series = ? AND t < ? ORDER BY t LIMIT 1 OFFSET ?")
        defer { bound.reset() }
        try bound.bind(id, at: 1)
        try bound.bind(cutoff.milliseconds, at: 2)
        try bound.bind(Int64(limit), at: 3)
        let batchEnd = try bound.step() ? bound.int64(at: 0) : cutoff.milliseconds
        let delete = try database.statement("DELETE FROM readings WHERE series = ? AND t < ?")
        defer { delete.reset() }
        try delete.bind(id, at: 1)
        try delete.bind(batchEnd, at: 2)
        try delete.step()
        return database.changes
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

    /// Total rows stored.
    func count() throws -> Int {
        let query = try database.statement("SELECT count(*) FROM readings")
        defer { query.reset() }
        try query.step()
        return Int(query.int64(at: 0))
    }

    func close() {
        try? database.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        database.close()
    }
}
