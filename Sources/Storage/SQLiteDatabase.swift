import CSQLite

/// An error reported by SQLite, with the statement or step that failed.
public struct SQLiteError: Error, CustomStringConvertible, Sendable {
    /// SQLite's primary result code (`SQLITE_BUSY`, `SQLITE_CORRUPT`, `SQLITE_NOTADB`, …).
    public let code: Int32
    /// SQLite's message.
    public let message: String
    /// What was being done (the statement or the operation).
    public let context: String

    public var description: String { "\(context): \(message) (SQLite code \(code))" }

    /// The file is not a database, or is damaged: never something to overwrite silently.
    public var isCorruptOrForeign: Bool { code == SQLITE_CORRUPT || code == SQLITE_NOTADB }
}

/// One SQLite connection.
///
/// Not thread-safe by itself: the owner serialises access (the store keeps it behind a lock, and the ingest
/// thread is its only writer).
public final class SQLiteDatabase {
    private var handle: OpaquePointer?
    private var cachedStatements: [String: SQLiteStatement] = [:]
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String, readOnly: Bool = false) throws {
        self.path = path
        let flags =
            (readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)) | SQLITE_OPEN_NOMUTEX
        var db: OpaquePointer?
        let rc = sqlite3_open_v2(path, &db, flags, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_close_v2(db)
            throw SQLiteError(code: rc & 0xff, message: message, context: "opening \(path)")
        }
        handle = db
        sqlite3_extended_result_codes(db, 0)
        sqlite3_busy_timeout(db, 5_000)
    }

    deinit {
        close()
    }

    /// Finalises cached statements and closes the connection. Safe to call twice.
    public func close() {
        cachedStatements.removeAll()
        if let handle {
            sqlite3_close_v2(handle)
        }
        handle = nil
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var errorMessage: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
        if rc != SQLITE_OK {
            let message = errorMessage.map { String(cString: $0) } ?? String(cString: sqlite3_errstr(rc))
            sqlite3_free(errorMessage)
            throw SQLiteError(code: rc & 0xff, message: message, context: "executing \(sql.prefix(80))")
        }
    }

    /// A prepared statement for `sql`, prepared once and reused for the connection's lifetime.
    public func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = cachedStatements[sql] {
            return cached
        }
        var raw: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &raw, nil)
        guard rc == SQLITE_OK, let raw else {
            throw error(rc, "preparing \(sql.prefix(80))")
        }
        let statement = SQLiteStatement(raw: raw, database: self)
        cachedStatements[sql] = statement
        return statement
    }

    /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`, rolling back if it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Reads a single integer `PRAGMA`.
    public func pragmaInteger(_ name: String) throws -> Int64 {
        let statement = try statement("PRAGMA \(name)")
        defer { statement.reset() }
        guard try statement.step() else { return 0 }
        return statement.int64(at: 0)
    }

    /// The number of rows changed by the most recent statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    fileprivate func error(_ rc: Int32, _ context: String) -> SQLiteError {
        SQLiteError(code: rc & 0xff, message: String(cString: sqlite3_errmsg(handle)), context: context)
    }
}

/// A prepared statement. Bind parameters (1-based), step, read columns (0-based), reset.
public final class SQLiteStatement {
    private let raw: OpaquePointer
    private unowned let database: SQLiteDatabase

    fileprivate init(raw: OpaquePointer, database: SQLiteDatabase) {
        self.raw = raw
        self.database = database
    }

    deinit {
        sqlite3_finalize(raw)
    }

    /// Binds the parameter at `index` (from 1).
    public func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(raw, index, value), "binding")
    }

    /// Binds the parameter at `index` (from 1).
    public func bind(_ value: Double, at index: Int32) throws {
        try check(sqlite3_bind_double(raw, index, value), "binding")
    }

    /// Binds the parameter at `index` (from 1); the text is copied.
    public func bind(_ value: String, at index: Int32) throws {
        try check(sqlite3_bind_text(raw, index, value, -1, cityfeeds_sqlite_transient()), "binding")
    }

    /// Binds the parameter at `index` (from 1) as a blob; the bytes are copied.
    public func bind(_ bytes: [UInt8], at index: Int32) throws {
        let rc = bytes.withUnsafeBytes { buffer in
            sqlite3_bind_blob(raw, index, buffer.baseAddress, Int32(buffer.count), cityfeeds_sqlite_transient())
        }
        try check(rc, "binding")
    }

    /// Binds NULL to the parameter at `index` (from 1).
    public func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(raw, index), "binding")
    }

    /// Advances to the next row; `false` when the statement is done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(raw)
        switch rc {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let failure = database.error(rc, "stepping \(String(cString: sqlite3_sql(raw)).prefix(80))")
            sqlite3_reset(raw)
            throw failure
        }
    }

    /// Makes the statement ready to run again and clears its bindings.
    public func reset() {
        sqlite3_reset(raw)
        sqlite3_clear_bindings(raw)
    }

    /// The current row's column (from 0) as an integer.
    public func int64(at column: Int32) -> Int64 { sqlite3_column_int64(raw, column) }
    /// The current row's column (from 0) as a double.
    public func double(at column: Int32) -> Double { sqlite3_column_double(raw, column) }
    /// Whether the current row's column (from 0) is NULL.
    public func isNull(at column: Int32) -> Bool { sqlite3_column_type(raw, column) == SQLITE_NULL }

    /// The current row's column (from 0) as a blob.
    public func bytes(at column: Int32) -> [UInt8] {
        let count = Int(sqlite3_column_bytes(raw, column))
        guard count > 0, let start = sqlite3_column_blob(raw, column) else { return [] }
        return Array(UnsafeRawBufferPointer(start: start, count: count))
    }

    /// The current row's column (from 0) as text.
    public func string(at column: Int32) -> String {
        guard let text = sqlite3_column_text(raw, column) else { return "" }
        return String(cString: text)
    }

    private func check(_ rc: Int32, _ context: String) throws {
        if rc != SQLITE_OK {
            throw database.error(rc, context)
        }
    }
}

/// Why a file cannot be brought to the schema this daemon writes.
public enum SchemaProblem: Error, Sendable, Equatable, CustomStringConvertible {
    /// Another application's SQLite file (its `application_id` is not ours).
    case foreign
    /// Written by a newer daemon.
    case newer(found: Int64, supported: Int64)

    /// The problem in the words every data file's error uses.
    public var description: String {
        switch self {
        case .foreign: "this SQLite file belongs to another application; left untouched"
        case .newer(let found, let supported):
            "schema version \(found) is newer than this daemon understands (\(supported))"
        }
    }
}

extension SQLiteDatabase {
    /// `PRAGMA quick_check`: the problems SQLite finds in the file's structure (at most `limit`), none when
    /// it is sound. It reads every page, in time proportional to the file.
    public func quickCheck(limit: Int = 5) throws -> [String] {
        let check = try statement("PRAGMA quick_check(\(max(1, limit)))")
        defer { check.reset() }
        var problems: [String] = []
        while try check.step() {
            let line = check.string(at: 0)
            if line != "ok" { problems.append(line) }
        }
        return problems
    }

    /// Stamps a new file with `applicationID`, refuses another application's file or a newer schema, and
    /// runs the migrations the file has not seen, one version (`user_version`) per transaction.
    /// `migrations[i]` brings the schema to version `i + 1`.
    public func migrate(applicationID: Int64, migrations: [String]) throws {
        let foundID = try pragmaInteger("application_id")
        let version = try pragmaInteger("user_version")
        let objects = try statement("SELECT count(*) FROM sqlite_master")
        _ = try objects.step()
        let isEmpty = objects.int64(at: 0) == 0
        // Finished before any migration: an active statement would lock the tables a migration drops.
        objects.reset()
        let supported = Int64(migrations.count)
        if foundID == 0 && isEmpty {
            try execute("PRAGMA application_id = \(applicationID)")
        } else {
            guard foundID == applicationID else { throw SchemaProblem.foreign }
            guard version <= supported else { throw SchemaProblem.newer(found: version, supported: supported) }
        }
        for target in stride(from: version + 1, through: supported, by: 1) {
            try transaction {
                try execute(migrations[Int(target) - 1])
                try execute("PRAGMA user_version = \(target)")
            }
        }
    }
}
