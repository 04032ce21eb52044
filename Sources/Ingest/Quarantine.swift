import FeedCore
import Logging
import Storage
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A message identified across restarts: FNV-1a over its topic and payload (Swift's `Hasher` is seeded per
/// process, so it cannot recognise a redelivery after a crash).
struct MessageFingerprint: Hashable, Sendable {
    var value: UInt64

    init(_ message: InboundMessage) {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ byte: UInt8) {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        for byte in message.topic.utf8 { mix(byte) }
        mix(0xFF)  // never in UTF-8: the topic ends here
        for byte in message.payload { mix(byte) }
        value = hash
    }

    init(value: UInt64) {
        self.value = value
    }
}

/// The burst being processed, written to a small file before it is, so that after a crash the next start
/// knows which messages were in hand. Written with `pwrite` and not flushed to disk: a process that crashes
/// leaves it in the page cache, which is the case it is for (a power cut is not a poison message).
final class InFlightMarker {
    enum Mode: UInt8 {
        case none = 0
        /// A whole burst: one of these messages may be the poison.
        case burst = 1
        /// One message alone: if the process died now, it is the poison.
        case single = 2
    }

    private static let magic = Array("CFINFL01".utf8)
    private let descriptor: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw QuarantineError(path: path, problem: "cannot open: \(String(cString: strerror(errno)))")
        }
    }

    deinit { close(descriptor) }

    /// What the file says was in flight when the last process stopped.
    func read() -> (mode: Mode, fingerprints: [MessageFingerprint]) {
        var header = [UInt8](repeating: 0, count: 13)
        guard header.withUnsafeMutableBytes({ pread(descriptor, $0.baseAddress, 13, 0) }) == 13,
            Array(header[0..<8]) == Self.magic, let mode = Mode(rawValue: header[8]), mode != .none
        else { return (.none, []) }
        let count = Int(header[9..<13].reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        // A marker never holds more than a burst; anything larger is not ours to trust.
        guard count <= 100_000 else { return (.none, []) }
        var body = [UInt8](repeating: 0, count: count * 8)
        guard body.withUnsafeMutableBytes({ pread(descriptor, $0.baseAddress, count * 8, 13) }) == count * 8 else {
            return (.none, [])
        }
        let fingerprints = (0..<count).map { index in
            MessageFingerprint(value: body[index * 8..<index * 8 + 8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
        return (mode, fingerprints)
    }

    func record(_ mode: Mode, _ fingerprints: [MessageFingerprint]) {
        var bytes = Self.magic + [mode.rawValue]
        let count = UInt32(fingerprints.count)
        bytes += [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)]
        bytes.reserveCapacity(bytes.count + fingerprints.count * 8)
        for fingerprint in fingerprints {
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(fingerprint.value >> UInt64(shift) & 0xFF))
            }
        }
        _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
    }

    func clear() {
        var none = Mode.none.rawValue
        _ = pwrite(descriptor, &none, 1, 8)
    }
}

/// A failure of the quarantine's file, in words.
public struct QuarantineError: Error, CustomStringConvertible, Sendable {
    /// The quarantine's file.
    public var path: String
    /// What is wrong with it.
    public var problem: String
    public var description: String { "ingest quarantine \(path): \(problem)" }
}

/// A message set aside: it crashed the daemon, or its commit kept failing while others' succeeded.
public struct QuarantinedMessage: Sendable, Equatable {
    /// Increasing; the newest has the largest.
    public var id: Int64
    /// When it was set aside.
    public var at: Timestamp
    /// Its topic.
    public var topic: String
    /// Its payload, whole.
    public var payload: [UInt8]
    /// What it made fail (the error, or a crash while processing it).
    public var reason: String
}

/// Messages set aside so that the queue behind them flows (a dead-letter queue), kept in their own SQLite
/// file: at most `capacity`, the oldest going first.
public final class Quarantine: Sendable {
    private struct Store: ~Copyable {
        let database: SQLiteDatabase
    }

    private let store: Mutex<Store>
    private let total = Atomic<Int>(0)
    let path: String
    /// The most messages kept; the oldest go first.
    public let capacity: Int

    /// Opens (or creates) the quarantine at `path`, checking it first.
    public init(path: String, capacity: Int = 1_000) throws {
        self.path = path
        self.capacity = capacity
        do {
            let database = try SQLiteDatabase(path: path)
            let problems = try database.quickCheck()
            guard problems.isEmpty else {
                throw QuarantineError(path: path, problem: "damaged (\(problems.joined(separator: "; ").prefix(200)))")
            }
            try database.migrate(
                applicationID: 0x4346_5154,
                migrations: [
                    """
                    CREATE TABLE quarantined (
                        id INTEGER PRIMARY KEY,
                        at INTEGER NOT NULL,
                        topic TEXT NOT NULL,
                        payload BLOB NOT NULL,
                        reason TEXT NOT NULL
                    );
                    """
                ])
            try database.execute("PRAGMA journal_mode = WAL")
            store = Mutex(Store(database: database))
        } catch let problem as SchemaProblem {
            throw QuarantineError(path: path, problem: "\(problem)")
        } catch let error as SQLiteError {
            throw QuarantineError(path: path, problem: "\(error)")
        }
    }

    /// Sets `message` aside; it will be acknowledged as if processed.
    func add(_ message: InboundMessage, reason: String, at time: Timestamp) throws {
        try store.withLock { store in
            let insert = try store.database.statement(
                "INSERT INTO quarantined (at, topic, payload, reason) VALUES (?, ?, ?, ?)")
            defer { insert.reset() }
            try insert.bind(time.milliseconds, at: 1)
            try insert.bind(String(message.topic.prefix(1_024)), at: 2)
            try insert.bind(message.payload, at: 3)
            try insert.bind(reason, at: 4)
            try insert.step()
            try store.database.execute(
                "DELETE FROM quarantined WHERE id <= (SELECT max(id) FROM quarantined) - \(capacity)")
        }
        total.add(1, ordering: .relaxed)
    }

    /// The newest set-aside messages first.
    public func messages(limit: Int = 100) throws -> [QuarantinedMessage] {
        try store.withLock { store in
            let select = try store.database.statement(
                "SELECT id, at, topic, payload, reason FROM quarantined ORDER BY id DESC LIMIT ?")
            defer { select.reset() }
            try select.bind(Int64(max(0, limit)), at: 1)
            var result: [QuarantinedMessage] = []
            while try select.step() {
                result.append(
                    QuarantinedMessage(
                        id: select.int64(at: 0), at: Timestamp(milliseconds: select.int64(at: 1)),
                        topic: select.string(at: 2), payload: select.bytes(at: 3), reason: select.string(at: 4)))
            }
            return result
        }
    }

    /// Messages held now.
    public func count() throws -> Int {
        try store.withLock { store in
            let select = try store.database.statement("SELECT count(*) FROM quarantined")
            defer { select.reset() }
            try select.step()
            return Int(select.int64(at: 0))
        }
    }

    /// Messages set aside since start.
    public var quarantinedSinceStart: Int { total.load(ordering: .relaxed) }

    /// Closes the file; used once, at shutdown.
    public func close() {
        store.withLock { $0.database.close() }
    }
}

/// Keeps one message from stopping ingest for every sensor (the poison-message pattern of message queues).
///
/// - A crash: each burst is marked in flight before it is handed on. After a crash, a burst that brings back
///   any of the marked messages is processed one message at a time, each marked alone; if the process dies
///   on one of them, the next start sets that message aside, acknowledges it and goes on.
/// - A failing commit: the burst is tried again one message at a time. If none commits, the fault is not
///   the messages' (a full disk, a damaged store): the burst is refused as before and redelivered later.
///   If others commit and one keeps failing, after `maxAttempts` such rounds it is set aside.
///
/// Nothing valid is lost: a message is set aside only when it alone fails, and it is kept (topic and
/// payload) for an operator to look at and publish again once the cause is fixed.
public final class QuarantiningHandler: MessageBurstHandler {
    private struct State {
        /// Messages that were in flight at the last crash.
        var suspects: Set<MessageFingerprint> = []
        /// The one message the last process died on, alone.
        var poison: MessageFingerprint?
        /// Rounds in which a message failed while others committed.
        var failures: [MessageFingerprint: Int] = [:]
    }

    private let inner: any MessageBurstHandler
    /// Where messages that alone make a burst fail are set aside.
    public let quarantine: Quarantine
    /// Touched only on the consumer's thread, which calls `handle` (one burst at a time).
    private let marker: Mutex<InFlightMarker>
    private let state = Mutex(State())
    private let logger: Logger
    let maxAttempts: Int

    /// Wraps `inner`, marking each burst in flight at `markerPath`; a message that fails `maxAttempts` rounds is set aside.
    public init(
        wrapping inner: any MessageBurstHandler, quarantine: Quarantine, markerPath: String, maxAttempts: Int = 3,
        logger: Logger
    ) throws {
        self.inner = inner
        self.quarantine = quarantine
        self.logger = logger
        self.maxAttempts = maxAttempts
        let marker = try InFlightMarker(path: markerPath)
        let (mode, fingerprints) = marker.read()
        var state = State()
        switch mode {
        case .none: break
        case .burst:
            state.suspects = Set(fingerprints)
            logger.warning(
                "the last run stopped while processing a burst: its messages will be processed one by one",
                metadata: ["ingest.suspects": "\(fingerprints.count)"])
        case .single:
            state.poison = fingerprints.first
            state.suspects = Set(fingerprints)
            logger.warning("the last run stopped while processing one message alone: it will be set aside")
        }
        self.state.withLock { $0 = state }
        self.marker = Mutex(marker)
    }

    public func handle(burst: [InboundMessage]) throws {
        guard !burst.isEmpty else { return }
        let fingerprints = burst.map(MessageFingerprint.init)
        let suspect = state.withLock { state in
            !state.suspects.isEmpty && fingerprints.contains { state.suspects.contains($0) }
        }
        if !suspect {
            marker.withLock { $0.record(.burst, fingerprints) }
            do {
                try inner.handle(burst: burst)
                marker.withLock { $0.clear() }
                return
            } catch {
                logger.warning(
                    "a burst failed to commit: trying its messages one by one",
                    metadata: ["error": "\(error)", "mqtt.burst": "\(burst.count)"])
            }
        }
        try oneByOne(burst, fingerprints)
    }

    private func oneByOne(_ burst: [InboundMessage], _ fingerprints: [MessageFingerprint]) throws {
        defer { marker.withLock { $0.clear() } }
        var committed = 0
        var failed: [(message: InboundMessage, fingerprint: MessageFingerprint, error: any Error)] = []
        for (message, fingerprint) in zip(burst, fingerprints) {
            let isPoison = state.withLock { state in
                guard state.poison == fingerprint else { return false }
                state.poison = nil
                state.suspects.remove(fingerprint)
                return true
            }
            if isPoison {
                try setAside(message, reason: "the daemon stopped while processing this message alone (a crash)")
                continue
            }
            marker.withLock { $0.record(.single, [fingerprint]) }
            do {
                try inner.handle(burst: [message])
                committed += 1
                _ = state.withLock { $0.suspects.remove(fingerprint) }
            } catch {
                failed.append((message, fingerprint, error))
            }
        }
        guard let first = failed.first else {
            state.withLock { $0.failures.removeAll() }
            return
        }
        // Nothing committed, or the failure is the machine's (a full disk, a damaged file): the fault is not
        // in these messages. Refuse the burst; it comes back later.
        guard committed > 0 else { throw first.error }
        if let environmental = failed.first(where: { Self.isEnvironmental($0.error) }) { throw environmental.error }
        var retry: (any Error)?
        for (message, fingerprint, error) in failed {
            let attempts = state.withLock { state -> Int in
                state.failures[fingerprint, default: 0] += 1
                return state.failures[fingerprint]!
            }
            if attempts >= maxAttempts {
                _ = state.withLock { $0.failures.removeValue(forKey: fingerprint) }
                try setAside(
                    message, reason: "its commit failed \(attempts) times while other messages committed: \(error)")
            } else {
                retry = retry ?? error
            }
        }
        if let retry { throw retry }
    }

    static func isEnvironmental(_ error: any Error) -> Bool {
        error is SQLiteError || error is any EnvironmentalFailure
    }

    private func setAside(_ message: InboundMessage, reason: String) throws {
        try quarantine.add(message, reason: reason, at: .now)
        logger.error(
            "MQTT message set aside in the quarantine; it is acknowledged, and the messages behind it flow",
            metadata: [
                "mqtt.topic": "\(message.topic.prefix(256))", "ingest.reason": "\(reason)",
                "ingest.payload_bytes": "\(message.payload.count)",
            ])
    }
}
