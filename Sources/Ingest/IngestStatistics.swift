import CoreMetrics
import FeedCore
import Logging
import Synchronization

/// Counters of what ingest received, accepted and rejected, the last few rejected messages, and
/// rate-limited logging of rejections. Shared by the ingest thread (writer) and the HTTP API (reader).
public final class IngestStatistics: Sendable {
    /// One of the latest rejected messages, kept short for `/v1/ingest`.
    public struct RecentRejection: Sendable {
        /// When it was rejected.
        public var time: Timestamp
        /// The message's topic (shortened when long).
        public var topic: String
        /// The sensor, when known.
        public var sensor: SensorID?
        /// Why, as a stable code.
        public var reason: RejectionReason
        /// Why, in words (shortened when long).
        public var detail: String
        /// The start of the payload, as text, for inspection.
        public var payload: String
    }

    /// The counters at one moment.
    public struct Snapshot: Sendable {
        /// Messages received since start.
        public var messagesReceived = 0
        /// Messages with at least one accepted reading.
        public var messagesAccepted = 0
        /// Messages refused as a whole.
        public var messagesRejected = 0
        /// Accepted messages that repeated a LoRaWAN uplink already stored.
        public var messagesRepeated = 0
        /// Readings that passed every check.
        public var readingsAccepted = 0
        /// Readings new to the store.
        public var readingsStored = 0
        /// Readings the store already held (redeliveries, retransmissions).
        public var readingsDuplicate = 0
        /// New readings older than their series' newest when they came (a backlog, a late uplink, a batch).
        public var readingsLate = 0
        /// Readings refused.
        public var readingsRejected = 0
        /// Refusals by reason, messages and readings together.
        public var rejectionsByReason: [RejectionReason: Int] = [:]
        /// Per configured sensor; every other id a sender chose is counted under `unconfigured` (and
        /// messages naming no sensor under `(none)`), so this is bounded by the configuration, not by senders.
        public var rejectionsBySensor: [String: Int] = [:]
        /// A few of the unconfigured ids most recently seen (each cut to 64 characters), to find the sender.
        public var unconfiguredSample: [String] = []
        /// The latest refusals, newest first, a bounded number.
        public var recent: [RecentRejection] = []
        /// When a reading was last accepted.
        public var lastAccepted: Timestamp?
    }

    private struct State {
        var snapshot = Snapshot()
        var lastLogged: [RejectionReason: (time: ContinuousClock.Instant, suppressed: Int)] = [:]
        var rejectionCounters: [String: Counter] = [:]
        /// Sensor ids that may appear as metric labels; anything else is labelled `unconfigured`, so that
        /// whatever a misbehaving client sends cannot multiply the metric series.
        var labelledSensors: Set<SensorID> = []
    }

    private let state = Mutex(State())
    private let logger: Logger
    private let recentLimit: Int
    private let logInterval: Duration
    private let metrics: any MetricsFactory
    private let messagesAccepted: Counter
    private let messagesRejected: Counter
    private let messagesRepeated: Counter
    private let readingsStored: Counter
    private let readingsDuplicate: Counter
    private let readingsLate: Counter

    /// Statistics for the configured `sensors`; others fold into one bucket.
    public init(
        logger: Logger, metrics: any MetricsFactory = NOOPMetricsHandler.instance, sensors: Set<SensorID> = [],
        recentLimit: Int = 50, logInterval: Duration = .seconds(10)
    ) {
        self.logger = logger
        self.metrics = metrics
        state.withLock { $0.labelledSensors = sensors }
        self.recentLimit = recentLimit
        self.logInterval = logInterval
        let messages = "cityfeeds_mqtt_messages_total"
        messagesAccepted = Counter(label: messages, dimensions: [("outcome", "accepted")], factory: metrics)
        messagesRejected = Counter(label: messages, dimensions: [("outcome", "rejected")], factory: metrics)
        messagesRepeated = Counter(label: messages, dimensions: [("outcome", "repeated")], factory: metrics)
        let readings = "cityfeeds_readings_total"
        readingsStored = Counter(label: readings, dimensions: [("outcome", "stored")], factory: metrics)
        readingsDuplicate = Counter(label: readings, dimensions: [("outcome", "duplicate")], factory: metrics)
        readingsLate = Counter(label: "cityfeeds_readings_late_total", factory: metrics)
    }

    /// The counters now.
    public var snapshot: Snapshot { state.withLock { $0.snapshot } }

    /// Records what became of one message. Logs at most one line per reason per `logInterval`.
    public func record(_ outcome: MessageOutcome, payload: [UInt8], at now: Timestamp) {
        record([(outcome, payload)], at: now)
    }

    /// Records a burst's outcomes under one lock.
    public func record(_ outcomes: [(outcome: MessageOutcome, payload: [UInt8])], at now: Timestamp) {
        var toLog: [(Rejection, suppressed: Int, topic: String)] = []
        state.withLock { state in
            for (outcome, payload) in outcomes {
                record(outcome, payload: payload, at: now, into: &state, toLog: &toLog)
            }
        }
        for (rejection, suppressed, topic) in toLog {
            logger.warning(
                "rejected MQTT input",
                metadata: [
                    "ingest.reason": "\(rejection.reason.rawValue)", "ingest.detail": "\(rejection.detail)",
                    "mqtt.topic": "\(topic.prefix(256))",
                    "sensor.id": "\(rejection.sensor?.rawValue.prefix(Self.sampleLength) ?? "")",
                    "ingest.suppressed_since_last": "\(suppressed)",
                ])
        }
    }

    private func record(
        _ outcome: MessageOutcome, payload: [UInt8], at now: Timestamp, into state: inout State,
        toLog: inout [(Rejection, suppressed: Int, topic: String)]
    ) {
        state.snapshot.messagesReceived += 1
        if outcome.isRepeat {
            state.snapshot.messagesRepeated += 1
            messagesRepeated.increment()
        }
        if outcome.isAccepted {
            state.snapshot.messagesAccepted += 1
            state.snapshot.readingsAccepted += outcome.accepted.count
            state.snapshot.lastAccepted = now
            messagesAccepted.increment()
        } else {
            state.snapshot.messagesRejected += 1
            messagesRejected.increment()
        }
        guard !outcome.rejected.isEmpty else { return }
        let preview = String(decoding: payload.prefix(200), as: UTF8.self)
        for rejection in outcome.rejected {
            state.snapshot.readingsRejected += 1
            state.snapshot.rejectionsByReason[rejection.reason, default: 0] += 1
            let bucket = sensorBucket(rejection.sensor, in: &state)
            state.snapshot.rejectionsBySensor[bucket, default: 0] += 1
            rejectionCounter(rejection.reason, bucket: bucket, in: &state).increment()
            state.snapshot.recent.append(
                RecentRejection(
                    time: now, topic: String(outcome.topic.prefix(256)),
                    sensor: rejection.sensor.map { SensorID(String($0.rawValue.prefix(Self.sampleLength))) },
                    reason: rejection.reason, detail: String(rejection.detail.prefix(512)), payload: preview))
            let clock = ContinuousClock.now
            if let last = state.lastLogged[rejection.reason], clock - last.time < logInterval {
                state.lastLogged[rejection.reason]?.suppressed += 1
            } else {
                toLog.append((rejection, state.lastLogged[rejection.reason]?.suppressed ?? 0, outcome.topic))
                state.lastLogged[rejection.reason] = (clock, 0)
            }
        }
        if state.snapshot.recent.count > recentLimit {
            state.snapshot.recent.removeFirst(state.snapshot.recent.count - recentLimit)
        }
    }

    /// Records how many accepted readings the store took as new, how many it already had, and how many of
    /// the new ones were late.
    public func recordStored(new: Int, duplicates: Int, late: Int = 0) {
        state.withLock {
            $0.snapshot.readingsStored += new
            $0.snapshot.readingsDuplicate += duplicates
            $0.snapshot.readingsLate += late
        }
        readingsStored.increment(by: Int64(new))
        readingsDuplicate.increment(by: Int64(duplicates))
        readingsLate.increment(by: Int64(late))
    }

    /// Replaces the sensors that may label metrics (a configuration reload); counters already made stay.
    public func labelSensors(_ sensors: Set<SensorID>) {
        state.withLock { $0.labelledSensors = sensors }
    }

    static let sampleLength = 64
    static let sampleSize = 8

    /// The statistics key of a rejection's sensor: its id when configured, else `unconfigured` (noting the id
    /// in the bounded sample) or `(none)`.
    private func sensorBucket(_ sensor: SensorID?, in state: inout State) -> String {
        guard let sensor else { return "(none)" }
        if state.labelledSensors.contains(sensor) { return sensor.rawValue }
        let sample = String(sensor.rawValue.prefix(Self.sampleLength))
        state.snapshot.unconfiguredSample.removeAll { $0 == sample }
        state.snapshot.unconfiguredSample.append(sample)
        if state.snapshot.unconfiguredSample.count > Self.sampleSize { state.snapshot.unconfiguredSample.removeFirst() }
        return "unconfigured"
    }

    /// `cityfeeds_ingest_rejections_total{reason, sensor}`, made on first use: at most one per reason and
    /// configured sensor, plus `unconfigured` and `(none)`.
    private func rejectionCounter(_ reason: RejectionReason, bucket: String, in state: inout State) -> Counter {
        let key = "\(reason.rawValue)|\(bucket)"
        if let counter = state.rejectionCounters[key] { return counter }
        let counter = Counter(
            label: "cityfeeds_ingest_rejections_total",
            dimensions: [("reason", reason.rawValue), ("sensor", bucket == "(none)" ? "unconfigured" : bucket)],
            factory: metrics)
        state.rejectionCounters[key] = counter
        return counter
    }
}
