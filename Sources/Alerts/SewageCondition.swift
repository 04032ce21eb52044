import FeedCore

/// What an outfall's recent history says about sewage reaching the beaches linked to it.
public enum SewageCondition: Sendable, Equatable {
    /// No discharge within the hold time.
    case clear
    /// Discharging now, since the given time.
    case discharging(since: Timestamp)
    /// Stopped at `stoppedAt`; the alert holds until `until`.
    case recentDischarge(stoppedAt: Timestamp, until: Timestamp)
    /// The outfall's monitor reports itself offline.
    case offline(since: Timestamp)
    /// Nothing is known: no data, or not enough history to rule out a discharge within the hold time.
    case unknown

    /// Whether swimmers must be warned.
    public var isAlerting: Bool {
        switch self {
        case .discharging, .recentDischarge: true
        default: false
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

    /// When a recent discharge's alert ends, if nothing else happens.
    public var alertUntil: Timestamp? {
        if case .recentDischarge(_, let until) = self { return until }
        return nil
    }

    public var name: String {
        switch self {
        case .clear: "clear"
        case .discharging: "discharging"
        case .recentDischarge: "recent_discharge"
        case .offline: "offline"
        case .unknown: "unknown"
        }
    }
}

/// The discharge rule: an outfall alerts while it discharges and for `holdSeconds` after it stops
/// (48 h by default, DESIGN §6). Pure: a function of the state history and the time.
public struct DischargeRule: Sendable {
    public var holdSeconds: Double

    public init(holdSeconds: Double = 48 * 3_600) {
        self.holdSeconds = holdSeconds
    }

    /// - Parameters:
    ///   - history: the outfall's `overflow_state` samples, oldest first.
    ///   - complete: whether `history` holds every sample since `now − holdSeconds` (a ring that dropped
    ///     older samples could hide a discharge: then the answer is `unknown`, never `clear`).
    public func condition(history: [Sample], complete: Bool, now: Timestamp) -> SewageCondition {
        guard let latest = history.last, let latestState = OverflowState(value: latest.value) else {
            return .unknown
        }
        // When did the current state begin? Walk back over the run of equal states.
        var runStart = latest.time
        var index = history.count - 1
        while index > 0, OverflowState(value: history[index - 1].value) == latestState {
            index -= 1
            runStart = history[index].time
        }
        switch latestState {
        case .discharging:
            return .discharging(since: runStart)
        case .offline:
            return .offline(since: runStart)
        case .stopped:
            // The newest discharge before the stop, if any, decides whether the hold still runs.
            let dischargedBefore = history[..<index].last { OverflowState(value: $0.value) == .discharging } != nil
            if dischargedBefore {
                let until = runStart.adding(seconds: holdSeconds)
                return now < until ? .recentDischarge(stoppedAt: runStart, until: until) : .clear
            }
            if complete || now.seconds(since: runStart) >= holdSeconds { return .clear }
            return .unknown
        }
    }
}
