import Beaches
import FeedCore
import Foundation
import Storage

/// Problems with the alert journal's file, worded for the operator.
public struct JournalError: EnvironmentalFailure, CustomStringConvertible, Sendable {
    /// The journal's file.
    public var path: String
    /// What is wrong with it, and what to do.
    public var problem: String
    public var description: String { "alert journal \(path): \(problem)" }
}

/// Which alerts a listing wants.
public struct AlertFilter: Sendable, Equatable {
    /// Which alerts a filter selects by state.
    public enum States: String, Sendable, CaseIterable {
        /// Pending or firing.
        case active
        case resolved
        case all
    }

    /// Open alerts, resolved ones, or all.
    public var states: States
    /// Only alerts concerning this beach.
    public var beach: String?
    /// Only alerts of this rule.
    public var rule: AlertRule?
    /// Alerts that were open at some moment at or after this time.
    public var since: Timestamp?
    /// Alerts with an id below this one (paging backwards through history).
    public var beforeID: Int64?
    /// At most this many, newest first.
    public var limit: Int

    /// A filter; by default the 100 newest alerts of every state.
    public init(
        states: States = .all, beach: String? = nil, rule: AlertRule? = nil, since: Timestamp? = nil,
        beforeID: Int64? = nil, limit: Int = 100
    ) {
        self.states = states
        self.beach = beach
        self.rule = rule
        self.since = since
        self.beforeID = beforeID
        self.limit = limit
    }
}

/// The alert journal: every alert, every transition, the engine's state and the municipal orders, in a SQLite
/// file of its own (so alert writes never wait behind a burst of readings).
///
/// One transaction per engine step: a transition is journalled together with the state it leads to, so a
/// restart resumes exactly there. Not thread-safe: `AlertCenter` owns it behind its lock.
final class AlertJournal {
    static let applicationID: Int64 = 0x4346_414C
    static let migrations = [
        """
        CREATE TABLE alerts (
            id INTEGER PRIMARY KEY,
            rule TEXT NOT NULL,
            subject TEXT NOT NULL,
            state TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            resolved_at INTEGER,
            body TEXT NOT NULL
        );
        CREATE INDEX alerts_state ON alerts (state, id);
        CREATE TABLE alert_beaches (
            beach TEXT NOT NULL,
            alert_id INTEGER NOT NULL,
            PRIMARY KEY (beach, alert_id)
        ) WITHOUT ROWID;
        CREATE TABLE transitions (
            sequence INTEGER PRIMARY KEY,
            alert_id INTEGER NOT NULL,
            kind TEXT NOT NULL,
            at INTEGER NOT NULL,
            body TEXT NOT NULL
        );
        CREATE INDEX transitions_alert ON transitions (alert_id, sequence);
        CREATE TABLE engine (
            key TEXT PRIMARY KEY,
            body TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE overrides (
            id INTEGER PRIMARY KEY,
            beach TEXT NOT NULL,
            lifted_at INTEGER,
            body TEXT
        );
        CREATE INDEX overrides_beach ON overrides (beach, id);
        """,
        // The engine's state as one row per entry (an outfall's track, a beach's samples, an open alert…),
        // written as each step changes them; the single values in `engine` under 'counters'. A journal from
        // before holds the whole state as one JSON document under 'state', split into entries at open.
        """
        CREATE TABLE engine_entries (
            map TEXT NOT NULL,
            key TEXT NOT NULL,
            body TEXT NOT NULL,
            PRIMARY KEY (map, key)
        ) WITHOUT ROWID;
        """,
    ]

    private let database: SQLiteDatabase
    private let path: String
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()
    /// Entry keys must be the same text every time they are written (the row's key): sorted, not in whatever
    /// order an encoder happens to emit an object's members.
    private let keyEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()

    init(path: String, synchronousFull: Bool) throws {
        self.path = path
        do {
            database = try SQLiteDatabase(path: path)
            // A damaged journal is refused at start, not found out by the first alert that fails to commit.
            let problems = try database.quickCheck()
            guard problems.isEmpty else {
                throw JournalError(
                    path: path,
                    problem:
                        "damaged (\(problems.joined(separator: "; ").prefix(300))); left untouched: restore it from a backup or move it aside"
                )
            }
            try database.migrate(applicationID: Self.applicationID, migrations: Self.migrations)
            try database.execute("PRAGMA journal_mode = WAL")
            try database.execute("PRAGMA synchronous = \(synchronousFull ? "FULL" : "NORMAL")")
            try splitWholeState()
            try splitRainWindows()
        } catch let problem as SchemaProblem {
            throw JournalError(path: path, problem: "\(problem)")
        } catch let error as SQLiteError where error.isCorruptOrForeign {
            throw JournalError(
                path: path, problem: "not a SQLite database, or damaged (\(error.message)); left untouched")
        }
    }

    func close() { database.close() }

    // MARK: Writing

    /// Journals one engine step: the transitions, the alerts as they now stand, and what the step changed in
    /// the engine's state (its entries changed since the step began, and its counters); with `loggedThrough`,
    /// the last sequence known to be on disk in the alert log (it rides along with the step rather than
    /// costing a commit of its own).
    /// Without `deferred`, the watermarks and the outfalls' `lastHeard`-only changes are left out (they stay
    /// pending in the state, see ``EngineState/hasEssentialChanges(since:)``).
    /// Returns the transitions as journalled: each with its ``AlertTransition/step`` in its alert's life.
    @discardableResult
    func record(
        _ transitions: [AlertTransition], changesOf state: EngineState?, deferred: Bool = true,
        loggedThrough: Int64? = nil
    ) throws -> [AlertTransition] {
        guard !transitions.isEmpty || state != nil || loggedThrough != nil else { return transitions }
        var journalled = transitions
        try database.transaction {
            if let loggedThrough {
                let mark = try database.statement(
                    "INSERT INTO engine (key, body) VALUES ('log_mark', ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body"
                )
                defer { mark.reset() }
                try mark.bind(String(loggedThrough), at: 1)
                _ = try mark.step()
            }
            for index in journalled.indices {
                journalled[index].step = try transitionCount(ofAlert: journalled[index].alert.id) + 1
                let transition = journalled[index]
                try write(transition.alert)
                let insert = try database.statement(
                    "INSERT INTO transitions (sequence, alert_id, kind, at, body) VALUES (?, ?, ?, ?, ?)")
                defer { insert.reset() }
                try insert.bind(transition.sequence, at: 1)
                try insert.bind(transition.alert.id, at: 2)
                try insert.bind(transition.kind.rawValue, at: 3)
                try insert.bind(transition.at.milliseconds, at: 4)
                try insert.bind(try json(transition), at: 5)
                _ = try insert.step()
            }
            if let state { try writeChanges(of: state, all: false, deferred: deferred) }
        }
        return journalled
    }

    /// How many transitions of alert `id` the journal holds (an index count: transitions are few per alert).
    private func transitionCount(ofAlert id: Int64) throws -> Int {
        let count = try database.statement("SELECT COUNT(*) FROM transitions WHERE alert_id = ?")
        defer { count.reset() }
        try count.bind(id, at: 1)
        _ = try count.step()
        return Int(count.int64(at: 0))
    }

    /// Writes the state's counters and its entries: those changed in the current step, or (`all`) every one.
    private func writeChanges(of state: EngineState, all: Bool, deferred: Bool = true) throws {
        let counters = try database.statement(
            "INSERT INTO engine (key, body) VALUES ('counters', ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body"
        )
        defer { counters.reset() }
        try counters.bind(try json(state.counters), at: 1)
        _ = try counters.step()
        try writeEntries("open", state.open, all: all)
        if deferred || all {
            try writeEntries("outfalls", state.outfalls, all: all)
        } else {
            try writeEntries("outfalls", state.outfalls.changes(where: EngineState.isEssential))
        }
        try writeEntries("samples", state.samples, all: all)
        try writeRain(all ? state.rain.map { ($0.key, nil, $0.value) } : state.rain.changesWithPrevious)
        try writeEntries("raise_at", state.raiseAt, all: all)
        if deferred || all { try writeEntries("marks", state.marks, all: all) }
        try writeEntries("last_resolved", state.lastResolved, all: all)
    }

    private func writeEntries<Key: Codable, Value: Codable>(
        _ map: String, _ entries: ChangeTrackedMap<Key, Value>, all: Bool
    ) throws {
        try writeEntries(map, all ? entries.map { (key: $0.key, value: Optional($0.value)) } : entries.changes)
    }

    private func writeEntries<Key: Codable, Value: Codable>(
        _ map: String, _ changes: [(key: Key, value: Value?)]
    )
        throws
    {
        guard !changes.isEmpty else { return }
        let upsert = try database.statement(
            "INSERT INTO engine_entries (map, key, body) VALUES (?, ?, ?) ON CONFLICT (map, key) DO UPDATE SET body = excluded.body"
        )
        defer { upsert.reset() }
        let delete = try database.statement("DELETE FROM engine_entries WHERE map = ? AND key = ?")
        defer { delete.reset() }
        for (key, value) in changes {
            let statement = value == nil ? delete : upsert
            try statement.bind(map, at: 1)
            try statement.bind(try entryKey(key), at: 2)
            if let value { try statement.bind(try json(value), at: 3) }
            _ = try statement.step()
            statement.reset()
        }
    }

    /// A journal written before entries were journalled one by one holds the whole state as one document:
    /// it is split into entries, once, in one transaction.
    private func splitWholeState() throws {
        let select = try database.statement("SELECT body FROM engine WHERE key = 'state'")
        guard try select.step() else {
            select.reset()
            return
        }
        let state = try decoder.decode(EngineState.self, from: Data(select.string(at: 0).utf8))
        select.reset()
        try database.transaction {
            try writeChanges(of: state, all: true)
            try database.execute("DELETE FROM engine WHERE key = 'state'")
        }
    }

    /// A gauge's rain window is journalled one row per reading (map `rain_samples`, key `<gauge>@<time>`): a
    /// rain reading adds a row and the readings leaving the 24 h window delete theirs, where writing the window
    /// whole cost a day of readings (some 60 KB at a reading a minute) on every reading.
    private func writeRain(_ changes: [(key: SensorID, old: [Sample]?, new: [Sample]?)]) throws {
        guard !changes.isEmpty else { return }
        let upsert = try database.statement(
            "INSERT INTO engine_entries (map, key, body) VALUES ('rain_samples', ?, ?) ON CONFLICT (map, key) DO UPDATE SET body = excluded.body"
        )
        defer { upsert.reset() }
        let delete = try database.statement("DELETE FROM engine_entries WHERE map = 'rain_samples' AND key = ?")
        defer { delete.reset() }
        for (gauge, old, new) in changes {
            let prefix = try entryKey(gauge) + "@"
            let before = Dictionary((old ?? []).map { ($0.time, $0.value) }, uniquingKeysWith: { _, last in last })
            let after = Dictionary((new ?? []).map { ($0.time, $0.value) }, uniquingKeysWith: { _, last in last })
            for time in before.keys where after[time] == nil {
                try delete.bind(prefix + String(time.milliseconds), at: 1)
                _ = try delete.step()
                delete.reset()
            }
            for (time, value) in after where before[time] != value {
                try upsert.bind(prefix + String(time.milliseconds), at: 1)
                try upsert.bind(value.description, at: 2)
                _ = try upsert.step()
                upsert.reset()
            }
        }
    }

    /// The rain windows from their rows, each oldest first.
    private func rainWindows() throws -> ChangeTrackedMap<SensorID, [Sample]> {
        let select = try database.statement("SELECT key, body FROM engine_entries WHERE map = 'rain_samples'")
        defer { select.reset() }
        var windows: [SensorID: [Sample]] = [:]
        while try select.step() {
            let key = select.string(at: 0)
            guard let at = key.lastIndex(of: "@"), let milliseconds = Int64(key[key.index(after: at)...]),
                let value = Double(select.string(at: 1))
            else {
                throw JournalError(path: path, problem: "a rain reading's row '\(key.prefix(80))' cannot be read")
            }
            let gauge = try decoder.decode(SensorID.self, from: Data(key[..<at].utf8))
            windows[gauge, default: []].append(Sample(time: Timestamp(milliseconds: milliseconds), value: value))
        }
        return ChangeTrackedMap(windows.mapValues { $0.sorted { $0.time < $1.time } })
    }

    /// A journal of 0.15 holds each rain window as one row (map `rain`): split into a row per reading, once.
    private func splitRainWindows() throws {
        let windows: ChangeTrackedMap<SensorID, [Sample]> = try entries("rain")
        guard !windows.isEmpty else { return }
        try database.transaction {
            try writeRain(windows.map { ($0.key, nil, $0.value) })
            try database.execute("DELETE FROM engine_entries WHERE map = 'rain'")
        }
    }

    private func write(_ alert: Alert) throws {
        let upsert = try database.statement(
            """
            INSERT INTO alerts (id, rule, subject, state, started_at, resolved_at, body) VALUES (?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET state = excluded.state, resolved_at = excluded.resolved_at, body = excluded.body
            """)
        defer { upsert.reset() }
        try upsert.bind(alert.id, at: 1)
        try upsert.bind(alert.fingerprint.rule.rawValue, at: 2)
        try upsert.bind(alert.fingerprint.subject, at: 3)
        try upsert.bind(alert.state.rawValue, at: 4)
        try upsert.bind(alert.startedAt.milliseconds, at: 5)
        if let resolved = alert.resolvedAt {
            try upsert.bind(resolved.milliseconds, at: 6)
        } else {
            try upsert.bindNull(at: 6)
        }
        try upsert.bind(try json(alert), at: 7)
        _ = try upsert.step()
        for beach in alert.beaches {
            let link = try database.statement("INSERT OR IGNORE INTO alert_beaches (beach, alert_id) VALUES (?, ?)")
            defer { link.reset() }
            try link.bind(beach, at: 1)
            try link.bind(alert.id, at: 2)
            _ = try link.step()
        }
    }

    /// Records a municipal order (or, with `nil`, lifts the current one) for `beach`.
    func setOverride(_ override: BeachOverride?, beach: String, at time: Timestamp) throws {
        try database.transaction {
            let lift = try database.statement(
                "UPDATE overrides SET lifted_at = ? WHERE beach = ? AND lifted_at IS NULL")
            defer { lift.reset() }
            try lift.bind(time.milliseconds, at: 1)
            try lift.bind(beach, at: 2)
            _ = try lift.step()
            guard let override else { return }
            let insert = try database.statement("INSERT INTO overrides (beach, body) VALUES (?, ?)")
            defer { insert.reset() }
            try insert.bind(beach, at: 1)
            try insert.bind(try json(override), at: 2)
            _ = try insert.step()
        }
    }

    // MARK: Reading

    /// Records how far the alert log is on disk (at a clean close; steps carry it along otherwise).
    func setLoggedThrough(_ sequence: Int64) throws {
        try record([], changesOf: nil, loggedThrough: sequence)
    }

    /// The last sequence the alert log was known to hold on disk when the last step was journalled.
    func loggedThrough() throws -> Int64? {
        let select = try database.statement("SELECT body FROM engine WHERE key = 'log_mark'")
        defer { select.reset() }
        guard try select.step() else { return nil }
        return Int64(select.string(at: 0))
    }

    /// The engine's state as last journalled; `nil` for a new journal.
    func engineState() throws -> EngineState? {
        let select = try database.statement("SELECT body FROM engine WHERE key = 'counters'")
        guard try select.step() else {
            select.reset()
            return nil
        }
        var state = EngineState()
        state.counters = try decoder.decode(EngineState.Counters.self, from: Data(select.string(at: 0).utf8))
        select.reset()
        state.open = try entries("open")
        state.outfalls = try entries("outfalls")
        state.samples = try entries("samples")
        state.rain = try rainWindows()
        state.raiseAt = try entries("raise_at")
        state.marks = try entries("marks")
        state.lastResolved = try entries("last_resolved")
        return state
    }

    private func entries<Key: Codable, Value: Codable>(_ map: String) throws -> ChangeTrackedMap<Key, Value> {
        let select = try database.statement("SELECT key, body FROM engine_entries WHERE map = ?")
        defer { select.reset() }
        try select.bind(map, at: 1)
        var result: [Key: Value] = [:]
        while try select.step() {
            result[try decoder.decode(Key.self, from: Data(select.string(at: 0).utf8))] = try decoder.decode(
                Value.self, from: Data(select.string(at: 1).utf8))
        }
        return ChangeTrackedMap(result)
    }

    /// The orders in force (not lifted), by beach.
    func overrides() throws -> [String: BeachOverride] {
        let select = try database.statement("SELECT beach, body FROM overrides WHERE lifted_at IS NULL ORDER BY id")
        defer { select.reset() }
        var result: [String: BeachOverride] = [:]
        while try select.step() {
            result[select.string(at: 0)] = try decoder.decode(BeachOverride.self, from: Data(select.string(at: 1).utf8))
        }
        return result
    }

    func alert(id: Int64) throws -> Alert? {
        let select = try database.statement("SELECT body FROM alerts WHERE id = ?")
        defer { select.reset() }
        try select.bind(id, at: 1)
        guard try select.step() else { return nil }
        return try decoder.decode(Alert.self, from: Data(select.string(at: 0).utf8))
    }

    /// The latest alert of `fingerprint` that started at `start`.
    func alert(_ fingerprint: AlertFingerprint, startedAt start: Timestamp) throws -> Alert? {
        let select = try database.statement(
            "SELECT body FROM alerts WHERE rule = ? AND subject = ? AND started_at = ? ORDER BY id DESC LIMIT 1")
        defer { select.reset() }
        try select.bind(fingerprint.rule.rawValue, at: 1)
        try select.bind(fingerprint.subject, at: 2)
        try select.bind(start.milliseconds, at: 3)
        guard try select.step() else { return nil }
        return try decoder.decode(Alert.self, from: Data(select.string(at: 0).utf8))
    }

    /// Alerts matching `filter`, newest first.
    func alerts(_ filter: AlertFilter) throws -> [Alert] {
        var conditions: [String] = []
        var values: [Int64] = []
        var strings: [String] = []
        var sql = "SELECT alerts.body FROM alerts"
        if let beach = filter.beach {
            sql = "SELECT alerts.body FROM alert_beaches JOIN alerts ON alerts.id = alert_beaches.alert_id"
            conditions.append("alert_beaches.beach = :beach")
            strings.append(beach)
        }
        switch filter.states {
        case .active: conditions.append("alerts.state != 'resolved'")
        case .resolved: conditions.append("alerts.state = 'resolved'")
        case .all: break
        }
        if let rule = filter.rule {
            conditions.append("alerts.rule = :rule")
            strings.append(rule.rawValue)
        }
        if let since = filter.since {
            conditions.append("(alerts.resolved_at IS NULL OR alerts.resolved_at >= :since)")
            values.append(since.milliseconds)
        }
        if let before = filter.beforeID {
            conditions.append("alerts.id < :before")
            values.append(before)
        }
        sql +=
            (conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND "))
            + " ORDER BY alerts.id DESC LIMIT :limit"
        values.append(Int64(max(0, filter.limit)))
        // Text parameters come first in the statement, then the numbers, in the order appended above.
        let statement = try database.statement(sql)
        defer { statement.reset() }
        var position: Int32 = 1
        for string in strings {
            try statement.bind(string, at: position)
            position += 1
        }
        for value in values {
            try statement.bind(value, at: position)
            position += 1
        }
        var result: [Alert] = []
        while try statement.step() {
            result.append(try decoder.decode(Alert.self, from: Data(statement.string(at: 0).utf8)))
        }
        return result
    }

    /// The alerts open at `time`, each as it stood then (its latest transition at or before `time`, in the
    /// readings' time), oldest first.
    func alerts(openAt time: Timestamp) throws -> [Alert] {
        let statement = try database.statement(
            """
            SELECT transitions.body FROM transitions JOIN (
                SELECT alert_id, MAX(sequence) AS last FROM transitions
                WHERE at <= ?1 AND alert_id IN (
                    SELECT id FROM alerts WHERE started_at <= ?1 AND (resolved_at IS NULL OR resolved_at > ?1))
                GROUP BY alert_id
            ) latest ON transitions.sequence = latest.last
            ORDER BY transitions.alert_id
            """)
        defer { statement.reset() }
        try statement.bind(time.milliseconds, at: 1)
        var result: [Alert] = []
        while try statement.step() {
            let alert = try decoder.decode(AlertTransition.self, from: Data(statement.string(at: 0).utf8)).alert
            if alert.isOpen || (alert.resolvedAt.map { $0 > time } ?? false) { result.append(alert) }
        }
        return result
    }

    /// The municipal order in force for `beach` at `time`, if any.
    func override(of beach: String, at time: Timestamp) throws -> BeachOverride? {
        let select = try database.statement(
            "SELECT body, lifted_at FROM overrides WHERE beach = ? AND (lifted_at IS NULL OR lifted_at > ?) ORDER BY id DESC"
        )
        defer { select.reset() }
        try select.bind(beach, at: 1)
        try select.bind(time.milliseconds, at: 2)
        while try select.step() {
            let order = try decoder.decode(BeachOverride.self, from: Data(select.string(at: 0).utf8))
            if order.at <= time { return order.isActive(at: time) ? order : nil }
        }
        return nil
    }

    /// Transitions after `sequence`, oldest first; of one alert if `alertID` is given.
    func transitions(after sequence: Int64, alertID: Int64? = nil, limit: Int) throws -> [AlertTransition] {
        let statement = try database.statement(
            alertID == nil
                ? "SELECT body FROM transitions WHERE sequence > ? ORDER BY sequence LIMIT ?"
                : "SELECT body FROM transitions WHERE sequence > ? AND alert_id = ? ORDER BY sequence LIMIT ?")
        defer { statement.reset() }
        try statement.bind(sequence, at: 1)
        if let alertID {
            try statement.bind(alertID, at: 2)
            try statement.bind(Int64(limit), at: 3)
        } else {
            try statement.bind(Int64(limit), at: 2)
        }
        var result: [AlertTransition] = []
        while try statement.step() {
            result.append(try decoder.decode(AlertTransition.self, from: Data(statement.string(at: 0).utf8)))
        }
        return result
    }

    private func json(_ value: some Encodable) throws -> String {
        if let text = JournalJSON.body(value) { return text }
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// An entry's key: the same text every time it is written (see `keyEncoder`).
    private func entryKey(_ key: some Encodable) throws -> String {
        if let text = (key as? any JournalKey)?.journalKey { return text }
        return String(decoding: try keyEncoder.encode(key), as: UTF8.self)
    }
}
