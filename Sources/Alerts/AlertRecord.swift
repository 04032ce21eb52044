import FeedCore
import Foundation

/// An alert as the outside world reads it (HTTP, the Server-Sent Events stream, the JSON Lines log):
/// snake_case names and RFC 3339 times.
public struct AlertRecord: Encodable, Sendable, Equatable {
    /// An operator's note (acknowledgement, silence, not genuine): who, when and why.
    public struct Note: Encodable, Sendable, Equatable {
        /// Who.
        public var by: String
        /// When (RFC 3339).
        public var at: String
        /// Why, when given.
        public var reason: String?

        init(_ note: OperatorNote) {
            by = note.by
            at = note.at.iso8601
            reason = note.reason
        }
    }

    /// (The fields mirror `Alert`'s, times as RFC 3339 strings.)
    public var id: Int64
    /// The rule's name.
    public var rule: String
    /// A beach id, or an outfall id.
    public var subject: String
    /// `rule:subject`.
    public var fingerprint: String
    /// `pending`, `firing` or `resolved`.
    public var state: String
    /// The beaches concerned.
    public var beaches: [String]
    /// When the condition began.
    public var startedAt: String
    /// When it fired.
    public var firedAt: String?
    /// When the last cause stopped.
    public var stoppedAt: String?
    /// When it will resolve if nothing changes.
    public var endsAt: String?
    /// When it resolved.
    public var resolvedAt: String?
    /// What keeps it open.
    public var causes: [String]
    /// Discharge starts merged into it (discharge alerts only).
    public var spills: Int?
    /// The figure behind it.
    public var value: Double?
    /// One line for people.
    public var summary: String
    /// The acknowledgement, if any.
    public var acknowledged: Note?
    /// Notifications held back until then.
    public var silencedUntil: String?
    /// The not-genuine mark, if any.
    public var notGenuine: Note?

    /// The record of `alert`.
    public init(_ alert: Alert) {
        id = alert.id
        rule = alert.fingerprint.rule.rawValue
        subject = alert.fingerprint.subject
        fingerprint = alert.fingerprint.description
        state = alert.state.rawValue
        beaches = alert.beaches
        startedAt = alert.startedAt.iso8601
        firedAt = alert.firedAt?.iso8601
        stoppedAt = alert.stoppedAt?.iso8601
        endsAt = alert.endsAt?.iso8601
        resolvedAt = alert.resolvedAt?.iso8601
        causes = alert.causes
        spills = alert.fingerprint.rule == .sewageDischarge ? alert.spills : nil
        value = alert.value
        summary = alert.summary
        acknowledged = alert.acknowledged.map(Note.init)
        silencedUntil = alert.silencedUntil?.iso8601
        notGenuine = alert.notGenuine.map(Note.init)
    }

    enum CodingKeys: String, CodingKey {
        case id, rule, subject, fingerprint, state, beaches, causes, spills, value, summary, acknowledged
        case startedAt = "started_at"
        case firedAt = "fired_at"
        case stoppedAt = "stopped_at"
        case endsAt = "ends_at"
        case resolvedAt = "resolved_at"
        case silencedUntil = "silenced_until"
        case notGenuine = "not_genuine"
    }
}

/// One transition as logged and streamed.
public struct TransitionRecord: Encodable, Sendable, Equatable {
    /// The transition's sequence.
    public var sequence: Int64
    /// What happened.
    public var kind: String
    /// When it happened, in the readings' time.
    public var at: String
    /// When the daemon recorded it.
    public var recordedAt: String?
    /// Recorded well after it happened: history, not a live warning.
    public var late: Bool
    /// Why, in words.
    public var note: String
    /// Its place in its alert's life (1 for the first): with the alert's fingerprint and start, the same in
    /// every instance of a pair.
    public var step: Int?
    /// The alert as it stands after it.
    public var alert: AlertRecord

    /// The record of `transition`.
    public init(_ transition: AlertTransition) {
        sequence = transition.sequence
        kind = transition.kind.rawValue
        at = transition.at.iso8601
        recordedAt = transition.recordedAt?.iso8601
        late = transition.late ?? false
        note = transition.note
        step = transition.step
        alert = AlertRecord(transition.alert)
    }

    enum CodingKeys: String, CodingKey {
        case sequence, kind, at, late, note, step, alert
        case recordedAt = "recorded_at"
    }

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// One line of JSON, without the newline.
    public var jsonLine: String {
        (try? String(decoding: Self.encoder.encode(self), as: UTF8.self)) ?? "{}"
    }
}
