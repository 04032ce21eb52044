import CoreMetrics
import FeedCore
import Foundation
import Ingest
import Logging
import RequestParsing
import ServiceLifecycle
import Storage
import Synchronization

/// The operators' writes' outbox cannot be used (damaged, foreign, newer): like the other data files, a restart
/// cannot fix it.
package struct OperatorOutboxError: Error, CustomStringConvertible, Sendable {
    /// The outbox's file.
    package var path: String
    /// What is wrong with it.
    package var problem: String
    package var description: String { "operator outbox \(path): \(problem)" }
}

/// The writes taken here that the broker has not confirmed yet, oldest first, kept in a SQLite file of the data
/// directory until it does: a write taken just before a crash, or while the broker was away at a shutdown, is
/// sent at the next start. Bounded: should the broker stay away through more writes than it holds, the newest
/// are refused (counted and logged), never memory or disk spent.
package final class OperatorActionOutbox: Sendable {
    /// A write waiting, with its row in the file (`nil`: the file could not take it, it waits in memory only).
    struct Waiting: Sendable {
        let row: Int64?
        let message: OperatorActionMessage
    }

    let messages: AsyncStream<Waiting>
    private let continuation: AsyncStream<Waiting>.Continuation
    private let database: Mutex<SQLiteDatabase?>
    private let logger: Logger
    private let unshared: Counter

    /// An outbox holding at most `capacity` writes in the file at `path`; the writes a previous run left there
    /// come first.
    package init(path: String, capacity: Int = 10_000, metrics: any MetricsFactory, logger: Logger) throws {
        (messages, continuation) = AsyncStream.makeStream(bufferingPolicy: .bufferingOldest(capacity))
        self.logger = logger
        unshared = Counter(
            label: "cityfeeds_operator_actions_total", dimensions: [("outcome", "unshared")], factory: metrics)
        let database: SQLiteDatabase
        let rows: [(Int64, [UInt8])]
        do {
            database = try SQLiteDatabase(path: path)
            let problems = try database.quickCheck()
            guard problems.isEmpty else {
                throw OperatorOutboxError(
                    path: path, problem: "damaged (\(problems.joined(separator: "; ").prefix(200)))")
            }
            try database.migrate(
                applicationID: 0x4346_4F42,
                migrations: ["CREATE TABLE waiting (row INTEGER PRIMARY KEY, body BLOB NOT NULL);"])
            rows = try Self.waitingRows(in: database)
        } catch let problem as SchemaProblem {
            throw OperatorOutboxError(path: path, problem: "\(problem)")
        } catch let error as SQLiteError {
            throw OperatorOutboxError(path: path, problem: "\(error)")
        }
        var unreadable: [Int64] = []
        for (row, body) in rows {
            // Written by this daemon; one that no longer reads (a newer format, a damaged row) is dropped, said.
            do throws(BadParameter) {
                continuation.yield(Waiting(row: row, message: try OperatorActionMessage.decode(body)))
            } catch {
                logger.error("operator write left by the last run cannot be read", metadata: ["reason": "\(error)"])
                unreadable.append(row)
            }
        }
        for row in unreadable { Self.remove(row, from: database, logger: logger) }
        self.database = Mutex(database)
    }

    private static func waitingRows(in database: SQLiteDatabase) throws -> [(Int64, [UInt8])] {
        let select = try database.statement("SELECT row, body FROM waiting ORDER BY row")
        defer { select.reset() }
        var rows: [(Int64, [UInt8])] = []
        while try select.step() { rows.append((select.int64(at: 0), select.bytes(at: 1))) }
        return rows
    }

    func enqueue(_ message: OperatorActionMessage) {
        database.withLock { database in
            var row: Int64?
            do {
                if let database {
                    let insert = try database.statement("INSERT INTO waiting (body) VALUES (?) RETURNING row")
                    defer { insert.reset() }
                    try insert.bind(message.encoded, at: 1)
                    if try insert.step() { row = insert.int64(at: 0) }
                    while try insert.step() {}
                }
            } catch {
                // Still sent from memory: only a crash before the broker confirms it would lose it now.
                logger.error("operator write not kept on disk", metadata: ["error": "\(error)"])
            }
            if case .dropped = continuation.yield(Waiting(row: row, message: message)) {
                if let row, let database { Self.remove(row, from: database, logger: logger) }
                dropped(message, reason: "the outbox is full")
            }
        }
    }

    /// The broker confirmed the write: it leaves the file.
    func confirmed(_ waiting: Waiting) {
        guard let row = waiting.row else { return }
        database.withLock { database in
            if let database { Self.remove(row, from: database, logger: logger) }
        }
    }

    private static func remove(_ row: Int64, from database: SQLiteDatabase, logger: Logger) {
        do {
            let delete = try database.statement("DELETE FROM waiting WHERE row = ?")
            defer { delete.reset() }
            try delete.bind(row, at: 1)
            _ = try delete.step()
        } catch {
            // Left in the file, the write is sent again at the next start; the other instance finds it applied.
            logger.error("operator write not removed from the outbox", metadata: ["error": "\(error)"])
        }
    }

    /// No more writes: what is queued is still sent.
    func finish() { continuation.finish() }

    /// Closes the file; what it holds is sent at the next start.
    package func close() {
        database.withLock { database in
            database?.close()
            database = nil
        }
    }

    func dropped(_ message: OperatorActionMessage, reason: String) {
        unshared.increment()
        logger.error(
            "operator write not shared with the pair: apply it on the other instance by hand",
            metadata: ["reason": "\(reason)", "write": "\(String(decoding: message.encoded, as: UTF8.self))"])
    }

    /// Left in the file for the next start (the broker did not confirm it before this one stopped).
    func leftForNextStart(_ message: OperatorActionMessage) {
        logger.warning(
            "operator write not shared before stopping: it will be at the next start",
            metadata: ["write": "\(String(decoding: message.encoded, as: UTF8.self))"])
    }
}

/// Publishes the outbox's writes on `mqtt.operator_topic`, one at a time and in order, each at QoS 1 and
/// confirmed by the broker before the next; while the broker is away it retries with backoff. The broker then
/// keeps each write for the other instance's persistent session, even while that instance is down.
/// On shutdown it sends what is queued if the broker answers; once it does not, the rest stays in the outbox's
/// file for the next start.
package struct OperatorActionSharing: Service {
    let outbox: OperatorActionOutbox
    let topic: String
    let configuration: DaemonConfiguration
    let logger: Logger
    let shared: Counter

    /// Shares `outbox`'s writes on `topic` through the broker of `configuration`.
    package init(
        outbox: OperatorActionOutbox, topic: String, configuration: DaemonConfiguration, metrics: any MetricsFactory,
        logger: Logger
    ) {
        self.outbox = outbox
        self.topic = topic
        self.configuration = configuration
        self.logger = logger
        shared = Counter(
            label: "cityfeeds_operator_actions_total", dimensions: [("outcome", "shared")], factory: metrics)
    }

    package func run() async throws {
        var publisher: MQTTPublisher?
        defer { publisher?.close() }
        await withGracefulShutdownHandler {
            var backoff = Duration.seconds(1)
            // Once the broker fails a write during shutdown, the rest are not tried: stopping must not wait.
            var givenUp = false
            for await waiting in outbox.messages {
                while !givenUp {
                    if publisher == nil {
                        publisher = await connectPublisher(configuration, suffix: "-operator")
                    }
                    if let connected = publisher, await send(waiting.message, through: connected) {
                        outbox.confirmed(waiting)
                        shared.increment()
                        backoff = .seconds(1)
                        break
                    }
                    publisher?.close()
                    publisher = nil
                    if Task.isShuttingDownGracefully || Task.isCancelled {
                        givenUp = true
                    } else {
                        logger.warning("operator write not yet shared: the broker did not confirm it; retrying")
                        // In short naps: a shutdown must not wait out a 30-second backoff.
                        let retryAt = ContinuousClock.now + backoff
                        while ContinuousClock.now < retryAt && !Task.isShuttingDownGracefully && !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(100))
                        }
                        backoff = min(backoff * 2, .seconds(30))
                    }
                }
                if givenUp {
                    if waiting.row != nil {
                        outbox.leftForNextStart(waiting.message)
                    } else {
                        outbox.dropped(waiting.message, reason: "the broker did not confirm it before shutdown")
                    }
                }
            }
        } onGracefulShutdown: {
            outbox.finish()
        }
    }

    /// Publishes `message` and waits (on a thread of its own) for the broker's acknowledgement.
    private func send(_ message: OperatorActionMessage, through publisher: MQTTPublisher) async -> Bool {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [topic] in
                do {
                    try publisher.publish(topic: topic, payload: message.encoded, qos: 1, retain: false)
                    continuation.resume(returning: publisher.waitForAcknowledgements(timeout: .seconds(10)))
                } catch {
                    continuation.resume(returning: false)
                }
            }
        }
    }
}

/// Connects a publisher with the daemon's credentials and the client id `mqtt.client_id` + `suffix`, on a
/// thread of its own: the attempt blocks for up to its timeout, and the cooperative pool (two threads on a
/// two-core machine) must not wait for it. `nil` when the broker does not answer.
func connectPublisher(_ configuration: DaemonConfiguration, suffix: String) async -> MQTTPublisher? {
    await withCheckedContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(
                returning: try? MQTTPublisher(
                    broker: configuration.mqtt.broker, clientID: configuration.mqtt.clientID + suffix,
                    username: configuration.mqtt.username, password: configuration.mqtt.password,
                    tls: configuration.mqtt.tls))
        }
    }
}
