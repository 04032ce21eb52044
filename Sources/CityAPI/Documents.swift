import Alerts
import Beaches
import CityCore
import FeedCore
import Foundation
import Ingest
import Parking

// JSON documents of the HTTP API not yet generated from openapi.yaml (see ContractDocuments.swift for those
// that are): snake_case field names, times as RFC 3339 strings in UTC. The contract tests hold them to the file.

struct ListDocument<Item: Encodable & Sendable>: Encodable, Sendable {
    var generatedAt: String
    var items: [Item]

    enum CodingKeys: String, CodingKey {
        case generatedAt = "generated_at"
        case items
    }
}

struct IngestDocument: Encodable, Sendable {
    var mqtt: ConnectionStatus
    var messagesReceived: Int
    var messagesAccepted: Int
    var messagesRejected: Int
    var messagesRepeated: Int
    var readingsAccepted: Int
    var readingsStored: Int
    var readingsDuplicate: Int
    var readingsLate: Int
    var readingsRejected: Int
    var rejectionsByReason: [String: Int]
    var rejectionsBySensor: [String: Int]
    var unconfiguredSample: [String]
    /// Messages held in the quarantine (`/v1/ingest/quarantine`).
    var quarantined: Int
    var lastAccepted: String?
    var recentRejections: [IngestStatistics.RecentRejection]

    init(status: ConnectionStatus, statistics s: IngestStatistics.Snapshot, quarantined: Int = 0) {
        self.quarantined = quarantined
        mqtt = status
        messagesReceived = s.messagesReceived
        messagesAccepted = s.messagesAccepted
        messagesRejected = s.messagesRejected
        messagesRepeated = s.messagesRepeated
        readingsAccepted = s.readingsAccepted
        readingsStored = s.readingsStored
        readingsDuplicate = s.readingsDuplicate
        readingsLate = s.readingsLate
        readingsRejected = s.readingsRejected
        rejectionsByReason = Dictionary(uniqueKeysWithValues: s.rejectionsByReason.map { ($0.key.rawValue, $0.value) })
        rejectionsBySensor = s.rejectionsBySensor
        unconfiguredSample = s.unconfiguredSample
        lastAccepted = s.lastAccepted?.iso8601
        recentRejections = s.recent.reversed()
    }

    enum CodingKeys: String, CodingKey {
        case mqtt
        case messagesReceived = "messages_received"
        case messagesAccepted = "messages_accepted"
        case messagesRejected = "messages_rejected"
        case messagesRepeated = "messages_repeated"
        case readingsAccepted = "readings_accepted"
        case readingsStored = "readings_stored"
        case readingsDuplicate = "readings_duplicate"
        case readingsLate = "readings_late"
        case readingsRejected = "readings_rejected"
        case rejectionsByReason = "rejections_by_reason"
        case rejectionsBySensor = "rejections_by_sensor"
        case unconfiguredSample = "unconfigured_sample"
        case quarantined
        case lastAccepted = "last_accepted"
        case recentRejections = "recent_rejections"
    }
}

struct HealthDocument: Encodable, Sendable {
    var status: String
    var ready: Bool
    var problems: [String]
    var mqtt: ConnectionStatus
    var storedReadings: Int?
    var alertLog: AlertLogDocument
    var configuration: ReloadRecord

    enum CodingKeys: String, CodingKey {
        case status, ready, problems, mqtt, configuration
        case storedReadings = "stored_readings"
        case alertLog = "alert_log"
    }
}

struct AlertLogDocument: Encodable, Sendable {
    var path: String
    var loggedThrough: Int64
    var journalled: Int64
    var failingSince: String?
    var problem: String?
    var writeFailures: Int

    init(_ health: AlertLogHealth) {
        path = health.path
        loggedThrough = health.loggedThrough
        journalled = health.journalled
        failingSince = health.failure?.since.iso8601
        problem = health.failure?.problem
        writeFailures = health.writeFailures
    }

    enum CodingKeys: String, CodingKey {
        case path, journalled, problem
        case loggedThrough = "logged_through"
        case failingSince = "failing_since"
        case writeFailures = "write_failures"
    }
}

/// RFC 9457 problem details.
struct ProblemDocument: Encodable, Sendable {
    var type = "about:blank"
    var title: String
    var status: Int
    var detail: String
}

/// `GET /v1/ingest/quarantine`: the messages set aside, newest first.
struct QuarantineDocument: Encodable, Sendable {
    var count: Int
    var items: [QuarantinedDocument]
}

struct QuarantinedDocument: Encodable, Sendable {
    var id: Int64
    var at: String
    var topic: String
    var reason: String
    /// The payload as text when it is UTF-8, else in base64.
    var payload: String
    var payloadEncoding: String
    var payloadBytes: Int

    init(_ message: QuarantinedMessage) {
        id = message.id
        at = message.at.iso8601
        topic = message.topic
        reason = message.reason
        payloadBytes = message.payload.count
        if let text = String(validating: message.payload, as: UTF8.self) {
            payload = text
            payloadEncoding = "utf-8"
        } else {
            payload = Data(message.payload).base64EncodedString()
            payloadEncoding = "base64"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, at, topic, reason, payload
        case payloadEncoding = "payload_encoding"
        case payloadBytes = "payload_bytes"
    }
}
