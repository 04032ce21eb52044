import FeedCore

/// What an alert is about. With its subject (a beach or an outfall) it makes the alert's fingerprint: at most
/// one alert per fingerprint is open at a time.
public enum AlertRule: String, Sendable, Codable, CaseIterable {
    /// A linked outfall discharged: raised on the beach, held after the stop.
    case sewageDischarge = "sewage_discharge"
    /// An outfall's monitor reports itself offline: its beaches' sewage state is unknown.
    case outfallOffline = "outfall_offline"
    /// A sample graded poor.
    case contamination
    /// More rain in 24 h than the beach's gauge allows: increased risk (a preventive alert).
    case heavyRain = "heavy_rain"
}

/// Where an alert stands in its lifecycle: pending, firing, then resolved.
public enum AlertState: String, Sendable, Codable, CaseIterable {
    /// The condition holds but has not yet held for the rule's raise delay.
    case pending
    case firing
    case resolved
}

/// Rule plus subject: the identity of an alert's condition.
public struct AlertFingerprint: Hashable, Sendable, Codable, CustomStringConvertible {
    /// Which rule raised it.
    public var rule: AlertRule
    /// A beach id, or an outfall id for `outfallOffline`.
    public var subject: String

    /// The fingerprint of `rule` on `subject`.
    public init(_ rule: AlertRule, _ subject: String) {
        self.rule = rule
        self.subject = subject
    }

    public var description: String { "\(rule.rawValue):\(subject)" }

    /// The fingerprint `description` wrote (`rule:subject`); `nil` for anything else.
    public init?(_ text: String) {
        guard let colon = text.firstIndex(of: ":"), let rule = AlertRule(rawValue: String(text[..<colon])) else {
            return nil
        }
        let subject = String(text[text.index(after: colon)...])
        guard !subject.isEmpty else { return nil }
        self.init(rule, subject)
    }
}

/// Who did something to an alert, when, and why.
public struct OperatorNote: Sendable, Codable, Equatable {
    /// Who (a name or a role, as the operator gave it).
    public var by: String
    /// When.
    public var at: Timestamp
    /// Why, when given.
    public var reason: String?

    /// A note by `by` at `at`.
    public init(by: String, at: Timestamp, reason: String? = nil) {
        self.by = by
        self.at = at
        self.reason = reason
    }
}

/// One alert, open or resolved. Acknowledged, silenced and not-genuine are flags: none of them clears it.
public struct Alert: Sendable, Codable, Equatable, Identifiable {
    /// Increasing over the journal's life; the alert's id in URLs.
    public var id: Int64
    /// Rule and subject: at most one open alert has it at any time.
    public var fingerprint: AlertFingerprint
    /// Pending, firing or resolved.
    public var state: AlertState
    /// The beaches whose swimmers the alert concerns.
    public var beaches: [String]
    /// When the condition began (the first spill's start, the sample's time, …).
    public var startedAt: Timestamp
    /// When it went from pending to firing (at once for a discharge).
    public var firedAt: Timestamp?
    /// When the alert will resolve if nothing changes: the end of a discharge's hold. `nil` while the cause
    /// is still present, or when only a clean sample can end it.
    public var endsAt: Timestamp?
    /// When it resolved.
    public var resolvedAt: Timestamp?
    /// When the last cause stopped (a discharge alert in its hold, or waiting for a clean sample).
    public var stoppedAt: Timestamp?
    /// What keeps it open: outfall ids, the probe, the gauge.
    public var causes: [String]
    /// Discharge starts merged into this alert (1 for a single spill).
    public var spills: Int
    /// The figure behind the alert: the poor sample's count, the 24 h rainfall in mm.
    public var value: Double?
    /// One line for people.
    public var summary: String
    /// An operator's acknowledgement, if any.
    public var acknowledged: OperatorNote?
    /// Notifications are held back until then.
    public var silencedUntil: Timestamp?
    /// An operator marked the discharge not genuine (a faulty monitor, a test).
    public var notGenuine: OperatorNote?

    /// Pending or firing.
    public var isOpen: Bool { state != .resolved }

    /// Whether an operator's silence still holds at `time` (notifications only; the alert stays open).
    public func isSilenced(at time: Timestamp) -> Bool {
        silencedUntil.map { time < $0 } ?? false
    }
}

/// What happened to an alert. Every transition is journalled, logged and streamed, in sequence order.
public enum TransitionKind: String, Sendable, Codable, CaseIterable {
    case pending
    case firing
    /// Still open, with new facts: another spill merged, a discharge stopped and the hold began, …
    case updated
    case resolved
    case acknowledged
    case silenced
    case notGenuine = "not_genuine"
}

/// One journal entry: the alert as it stands after the transition.
public struct AlertTransition: Sendable, Codable, Equatable {
    /// Strictly increasing over the journal's life: the Server-Sent Events id and the log's order.
    public var sequence: Int64
    /// What happened.
    public var kind: TransitionKind
    /// When it happened in the readings' time (a hold that ran out ends at its `endsAt`, even if noticed later).
    public var at: Timestamp
    /// The alert as it stands after it.
    public var alert: Alert
    /// Why, in words.
    public var note: String
    /// When the daemon recorded it (the wall clock). `nil` in journals written before it was kept.
    public var recordedAt: Timestamp? = nil
    /// Recorded well after it happened (more than ``CatchUpPolicy/lateAfterSeconds``): history learnt from a
    /// backlog, a late report or a replayed archive, not a new live warning.
    public var late: Bool? = nil
    /// Its place in its alert's life: 1 for the alert's first transition, counted by the journal. Every instance
    /// of a pair gives a transition the same fingerprint, start and step, so consumers of both can keep one of
    /// each. `nil` in journals written before it was kept.
    public var step: Int? = nil
}
