import FeedCore

/// What an outfall's monitor says about sewage reaching the beaches linked to it.
public enum OutfallCondition: Sendable, Equatable {
    /// Reporting, and no discharge within the hold.
    case clear
    /// Discharging now, since the given time.
    case discharging(since: Timestamp)
    /// Stopped at `stoppedAt`; the beach's warning holds until `until` (`nil`: until a clean sample).
    case recentDischarge(stoppedAt: Timestamp, until: Timestamp?)
    /// The monitor reports itself offline: sewage state unknown.
    case offline(since: Timestamp)
    /// Never heard from.
    case unknown

    /// The condition's name in documents.
    public var name: String {
        switch self {
        case .clear: "clear"
        case .discharging: "discharging"
        case .recentDischarge: "recent_discharge"
        case .offline: "offline"
        case .unknown: "unknown"
        }
    }

    /// When the current condition began: the discharge's start, its stop, or the monitor going offline.
    public var since: Timestamp? {
        switch self {
        case .discharging(let since), .offline(let since): since
        case .recentDischarge(let stoppedAt, _): stoppedAt
        case .clear, .unknown: nil
        }
    }
}
