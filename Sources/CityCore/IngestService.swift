import Alerts
import CoreMetrics
import FeedCore
import Foundation
import Ingest
import Logging
import ServiceLifecycle
import TimeSeries

/// Turns each burst of MQTT messages into readings and commits them; runs on the consumer's thread.
///
/// The statistics are recorded after the commit, so a burst whose commit fails (and which the broker will
/// redeliver) is not counted twice.
package struct ReadingRecorder: MessageBurstHandler {
    /// Replaced on configuration reload; each burst uses the one current when it starts.
    let pipeline: Reloadable<IngestPipeline>
    let store: SeriesStore
    let statistics: IngestStatistics
    let uplinks: UplinkDeduplicator
    let alerts: AlertCenter
    /// How long each burst's SQLite commit takes.
    let commitTimer: CoreMetrics.Timer
    /// The pair's operator writes: the topic they come on and the desk that applies them (`nil`: not shared).
    let operatorWrites: (topic: String, desk: OperatorDesk)?

    /// A recorder applying `pipeline` to each burst, storing into `store` and feeding `alerts`, in one commit;
    /// the messages on `operatorWrites`' topic go to its desk once the burst's readings are in.
    package init(
        pipeline: Reloadable<IngestPipeline>, store: SeriesStore, statistics: IngestStatistics,
        uplinks: UplinkDeduplicator, alerts: AlertCenter, commitTimer: CoreMetrics.Timer,
        operatorWrites: (topic: String, desk: OperatorDesk)? = nil
    ) {
        self.pipeline = pipeline
        self.store = store
        self.statistics = statistics
        self.uplinks = uplinks
        self.alerts = alerts
        self.commitTimer = commitTimer
        self.operatorWrites = operatorWrites
    }

    package func handle(burst: [InboundMessage]) throws {
        guard let last = burst.last else { return }
        #if DEBUG
        Failpoints.crashIfAsked(by: burst)
        #endif
        let pipeline = self.pipeline.value
        // Almost every burst holds readings only: it is then used as it is, without a copy.
        let writesTopic = operatorWrites.flatMap { writes in
            burst.contains { $0.topic == writes.topic } ? writes.topic : nil
        }
        let readingMessages = writesTopic.map { topic in burst.filter { $0.topic != topic } } ?? burst
        var outcomes = readingMessages.map(pipeline.process)
        uplinks.markRepeats(in: &outcomes, at: last.received)
        let started = ContinuousClock.now
        let accepted = outcomes.flatMap(\.accepted)
        let result = try store.append(accepted)
        commitTimer.recordInterval(since: started)
        // All accepted readings, redelivered ones included: after a crash between the two commits the engine
        // has not seen them, and it ignores what it has.
        try alerts.ingest(accepted)
        uplinks.remember(outcomes, at: last.received)
        statistics.record(zip(outcomes, readingMessages.map(\.payload)).map { ($0, $1) }, at: last.received)
        statistics.recordStored(new: result.new.count, duplicates: result.duplicates, late: result.late)
        // After the readings: the other instance took these writes having seen the readings before them.
        if let writes = operatorWrites, let topic = writesTopic {
            for message in burst where message.topic == topic {
                try writes.desk.receive(message.payload)
            }
        }
    }
}

/// The MQTT session as a lifecycle service: on graceful shutdown (SIGTERM) it finishes the burst in hand,
/// writes its acknowledgements and disconnects, keeping the broker-side session.
package struct IngestService: Service {
    let consumer: MQTTConsumer

    /// Runs `consumer` for the daemon's life.
    package init(consumer: MQTTConsumer) {
        self.consumer = consumer
    }

    package func run() async throws {
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await consumer.run()
            } onGracefulShutdown: {
                consumer.stop()
            }
        } onCancel: {
            consumer.stop()
        }
    }
}

extension CoreMetrics.Timer {
    func recordInterval(since start: ContinuousClock.Instant) {
        let (seconds, attoseconds) = (ContinuousClock.now - start).components
        recordNanoseconds(seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
    }
}

#if DEBUG
/// Faults a test can ask a debug build for, through the environment (release builds have none): how the
/// poison-message quarantine is tested against a real crash.
enum Failpoints {
    /// `CITYFEEDSD_FAILPOINT_CRASH_ON=TEXT`: the process dies on any message whose payload contains `TEXT`.
    static let crashOn: [UInt8]? = ProcessInfo.processInfo.environment["CITYFEEDSD_FAILPOINT_CRASH_ON"].map {
        Array($0.utf8)
    }

    static func crashIfAsked(by burst: [InboundMessage]) {
        guard let needle = crashOn, !needle.isEmpty else { return }
        for message in burst where message.payload.firstRange(of: needle) != nil {
            fatalError("failpoint: crashing on a message that contains the configured text")
        }
    }
}
#endif
