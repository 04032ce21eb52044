import Alerts
import Beaches
import FeedCore
import Foundation

/// An operator's write as the instances of a pair share it through the broker (`mqtt.operator_topic`).
///
/// Each instance numbers its alerts itself, so an alert is named by its fingerprint and start, which come from
/// the readings and are the same in every instance. Every time is the one the taking instance gave the write,
/// so the others record exactly what it recorded.
package enum OperatorAction: Sendable, Equatable {
    case acknowledge(AlertFingerprint, startedAt: Timestamp, note: OperatorNote)
    case silence(AlertFingerprint, startedAt: Timestamp, until: Timestamp, note: OperatorNote)
    case markNotGenuine(AlertFingerprint, startedAt: Timestamp, note: OperatorNote)
    /// A municipal order on a beach; `nil` lifts the order in force.
    case setBeachOrder(beach: String, order: BeachOverride?, at: Timestamp)
    /// An operator's count of the vehicles in an entry/exit counted car park.
    case setOccupancy(carPark: String, occupied: Int, at: Timestamp)
}

/// One shared write on the wire: a flat JSON object, `action` saying which fields it has. For example
/// `{"action":"acknowledge","alert":"sewage_discharge:grande-plage","started_at":"…","by":"duty officer",
/// "at":"…","origin":"cityfeedsd-a"}`.
package struct OperatorActionMessage: Sendable, Equatable {
    /// The MQTT client id of the instance that took the write: it does not apply its own writes twice.
    package var origin: String
    /// What the operator did.
    package var action: OperatorAction

    /// The largest message an instance accepts from the pair: a write's fields are bounded by the HTTP
    /// bodies they come from (8 KiB at most).
    package static let maxBytes = 16_384

    /// `action`, taken by the instance whose client id is `origin`.
    package init(origin: String, action: OperatorAction) {
        self.origin = origin
        self.action = action
    }

    /// The message's bytes: one JSON object, keys sorted.
    package var encoded: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? Array(encoder.encode(Fields(self)))) ?? []
    }

    /// Reads a message from the pair: hostile until checked, like any MQTT payload (a broker's ACL should let
    /// only the daemons write the topic, but the daemon does not count on it).
    package static func decode(_ bytes: [UInt8]) throws(BadParameter) -> OperatorActionMessage {
        guard bytes.count <= maxBytes else {
            throw BadParameter(message: "\(bytes.count) bytes, the limit is \(maxBytes)")
        }
        let fields = try RequestParsing.decodeStrictly(Fields.self, bytes, keys: Fields.keys)
        return try fields.message()
    }

    /// The wire fields, every one optional but `origin`, `action` and `at`.
    private struct Fields: Codable {
        var origin: String
        var action: String
        var at: String
        var alert: String?
        var startedAt: String?
        var by: String?
        var reason: String?
        var until: String?
        var beach: String?
        var order: String?
        var author: String?
        var carPark: String?
        var occupied: Int?

        static let keys: Set<String> = [
            "origin", "action", "at", "alert", "started_at", "by", "reason", "until", "beach", "order", "author",
            "car_park", "occupied",
        ]

        enum CodingKeys: String, CodingKey {
            case origin, action, at, alert, by, reason, until, beach, order, author, occupied
            case startedAt = "started_at"
            case carPark = "car_park"
        }

        init(_ message: OperatorActionMessage) {
            origin = message.origin
            switch message.action {
            case .acknowledge(let fingerprint, let start, let note):
                action = "acknowledge"
                (at, by, reason) = (note.at.iso8601, note.by, note.reason)
                (alert, startedAt) = (fingerprint.description, start.iso8601)
            case .silence(let fingerprint, let start, let end, let note):
                action = "silence"
                (at, by, reason, until) = (note.at.iso8601, note.by, note.reason, end.iso8601)
                (alert, startedAt) = (fingerprint.description, start.iso8601)
            case .markNotGenuine(let fingerprint, let start, let note):
                action = "not_genuine"
                (at, by, reason) = (note.at.iso8601, note.by, note.reason)
                (alert, startedAt) = (fingerprint.description, start.iso8601)
            case .setBeachOrder(let id, let beachOrder, let time):
                action = beachOrder == nil ? "lift_beach_order" : "beach_order"
                (at, beach) = (time.iso8601, id)
                if let beachOrder {
                    (order, reason, author) = (beachOrder.action.rawValue, beachOrder.reason, beachOrder.author)
                    until = beachOrder.until?.iso8601
                }
            case .setOccupancy(let id, let count, let time):
                action = "occupancy"
                (at, carPark, occupied) = (time.iso8601, id, count)
            }
        }

        /// The action these fields describe, every field checked.
        func message() throws(BadParameter) -> OperatorActionMessage {
            guard !origin.isEmpty, origin.utf8.count <= 256 else { throw BadParameter(message: "no origin") }
            let time = try Self.time(at, "at")
            func alertKey() throws(BadParameter) -> (AlertFingerprint, Timestamp) {
                guard let alert, let fingerprint = AlertFingerprint(alert) else {
                    throw BadParameter(message: "\"alert\" must be a fingerprint (rule:subject)")
                }
                return (fingerprint, try Self.time(startedAt, "started_at"))
            }
            func note() throws(BadParameter) -> OperatorNote {
                guard let by, !by.isEmpty else { throw BadParameter(message: "\"by\" is missing") }
                return OperatorNote(by: by, at: time, reason: reason)
            }
            let action: OperatorAction
            switch self.action {
            case "acknowledge":
                let (fingerprint, start) = try alertKey()
                action = .acknowledge(fingerprint, startedAt: start, note: try note())
            case "silence":
                let (fingerprint, start) = try alertKey()
                action = .silence(fingerprint, startedAt: start, until: try Self.time(until, "until"), note: try note())
            case "not_genuine":
                let (fingerprint, start) = try alertKey()
                action = .markNotGenuine(fingerprint, startedAt: start, note: try note())
            case "beach_order":
                guard let beach, let order, let kind = BeachOverride.Action(rawValue: order), let reason, let author
                else {
                    throw BadParameter(message: "a beach order needs \"beach\", \"order\", \"reason\" and \"author\"")
                }
                let end = try until.map { text throws(BadParameter) in try Self.time(text, "until") }
                action = .setBeachOrder(
                    beach: beach,
                    order: BeachOverride(action: kind, reason: reason, author: author, at: time, until: end), at: time)
            case "lift_beach_order":
                guard let beach else { throw BadParameter(message: "\"beach\" is missing") }
                action = .setBeachOrder(beach: beach, order: nil, at: time)
            case "occupancy":
                guard let carPark, let occupied, occupied >= 0 else {
                    throw BadParameter(message: "an occupancy needs \"car_park\" and \"occupied\" (0 or more)")
                }
                action = .setOccupancy(carPark: carPark, occupied: occupied, at: time)
            default:
                throw BadParameter(message: "unknown action '\(self.action.prefix(40))'")
            }
            return OperatorActionMessage(origin: origin, action: action)
        }

        static func time(_ text: String?, _ field: String) throws(BadParameter) -> Timestamp {
            guard let text, let time = Timestamp(rfc3339: text) else {
                throw BadParameter(message: "\"\(field)\" must be an RFC 3339 time")
            }
            return time
        }
    }
}
