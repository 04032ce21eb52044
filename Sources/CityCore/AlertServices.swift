import Alerts
import Beaches
import FeedCore
import Foundation
import Ingest
import Logging
import ServiceLifecycle
import UnixSignals

/// Moves the alert engine on by the wall clock every `interval` (holds running out, pending alerts firing),
/// for the subjects whose data are live (see `CatchUpPolicy`), and ends the live streams on graceful shutdown,
/// so an open SSE response never holds the server up.
package struct AlertClockService: Service {
    let alerts: AlertCenter
    /// When the current broker session began; `nil` while there is none (the broker may hold newer data).
    let sessionSince: @Sendable () -> Timestamp?
    let now: @Sendable () -> Timestamp
    let interval: Duration
    let logger: Logger

    /// Moves the alert engine on with the wall clock every `interval`, where no newer data exist; `sessionSince` tells since when the MQTT session has been up (the backlog rule).
    package init(
        alerts: AlertCenter, sessionSince: @escaping @Sendable () -> Timestamp?,
        now: @escaping @Sendable () -> Timestamp, interval: Duration, logger: Logger
    ) {
        self.alerts = alerts
        self.sessionSince = sessionSince
        self.now = now
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        await withGracefulShutdownHandler {
            try? await cancelWhenGracefulShutdown {
                while !Task.isCancelled {
                    // A log that could not be written (a full disk) catches up as soon as it can be.
                    alerts.retryLog()
                    do {
                        try alerts.advance(wallClock: now(), sessionSince: sessionSince())
                    } catch {
                        logger.error("alert clock step failed; retried next tick", metadata: ["error": "\(error)"])
                    }
                    try await Task.sleep(for: interval)
                }
            }
        } onGracefulShutdown: {
            alerts.finishSubscribers()
        }
    }
}

/// SIGHUP: reopens the alert log (after logrotate moved it) and reloads the configuration file.
package struct HangupService: Service {
    let alerts: AlertCenter
    let reloader: ConfigurationReloader?
    let logger: Logger

    /// On SIGHUP: reopens the alert log and, with a `reloader`, reloads the configuration.
    package init(alerts: AlertCenter, reloader: ConfigurationReloader? = nil, logger: Logger) {
        self.alerts = alerts
        self.reloader = reloader
        self.logger = logger
    }

    package func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                do {
                    try alerts.reopenLog()
                    logger.notice("SIGHUP: alert log reopened")
                } catch {
                    logger.error("SIGHUP: the alert log could not be reopened", metadata: ["error": "\(error)"])
                }
                reloader?.reload()
            }
        }
    }
}

/// Publishes each beach's status as a retained MQTT message (for apps and beach-side displays) whenever it
/// changes, checking every `interval` (a second: cheap for a city's beaches, and far inside the hour UK law
/// allows). Connects with its own client id; retries while the broker is away.
package struct BeachStatusPublisher: Service {
    let source: Reloadable<CityStatus>
    let topic: String
    let now: @Sendable () -> Timestamp
    let interval: Duration
    let logger: Logger

    /// Publishes each beach's status, retained, on `topic` every `interval` when it changed.
    package init(
        source: Reloadable<CityStatus>, topic: String, now: @escaping @Sendable () -> Timestamp, interval: Duration,
        logger: Logger
    ) {
        self.source = source
        self.topic = topic
        self.now = now
        self.interval = interval
        self.logger = logger
    }

    package func run() async throws {
        let configuration = source.value.configuration
        try? await cancelWhenGracefulShutdown {
            var publisher: MQTTPublisher?
            var published: [String: Data] = [:]
            var nextAttempt = ContinuousClock.now
            var backoff = Duration.seconds(1)
            defer { publisher?.close() }
            while !Task.isCancelled {
                if publisher == nil, ContinuousClock.now >= nextAttempt {
                    publisher = await connectPublisher(configuration, suffix: "-status")
                    if publisher == nil {
                        nextAttempt = .now + backoff
                        backoff = min(backoff * 2, .seconds(30))
                    } else {
                        backoff = .seconds(1)
                    }
                }
                if let publisher {
                    let time = now()
                    let status = source.value
                    for state in status.beaches(now: time) {
                        let beach = state.beach
                        let message = BeachStatusMessage(state)
                        guard let body = try? BeachStatusMessage.encoder.encode(message), published[beach.id] != body
                        else { continue }
                        do {
                            try publisher.publish(
                                topic: topic.replacingOccurrences(of: "{beach}", with: beach.id),
                                payload: Array(body), qos: 1, retain: true)
                            published[beach.id] = body
                        } catch {
                            logger.warning(
                                "beach status not published", metadata: ["beach": "\(beach.id)", "error": "\(error)"])
                        }
                    }
                }
                try await Task.sleep(for: interval)
            }
        }
    }
}

/// What a beach's retained MQTT message carries: the status and why, without the ever-changing ages.
struct BeachStatusMessage: Encodable {
    var beach: String
    var name: String
    var status: String
    var sewage: String
    var reasons: [String]
    var sampleTime: String?
    var sampleQuality: String?
    var alerts: [String]

    init(_ state: BeachState) {
        beach = state.beach.id
        name = state.beach.name
        status = state.assessment.status.rawValue
        sewage = state.assessment.sewage
        reasons = state.assessment.reasons
        sampleTime = state.assessment.sampleTime?.iso8601
        sampleQuality = state.assessment.sampleQuality?.rawValue
        alerts = state.alerts.map(\.summary)
    }

    /// Stable bytes (a retained message is republished only when it changes), topics and URLs without `\/`.
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    enum CodingKeys: String, CodingKey {
        case beach, name, status, sewage, reasons, alerts
        case sampleTime = "sample_time"
        case sampleQuality = "sample_quality"
    }
}
