import FeedCore

/// Everything the engine remembers between readings; journalled after each change so a restart resumes
/// exactly where it stopped.
public struct EngineState: Sendable, Codable, Equatable {
    /// The readings' time the engine has reached; only moves forward.
    public var clock = Timestamp(milliseconds: 0)
    public var open: [AlertFingerprint: Alert] = [:]
    public var outfalls: [SensorID: OutfallTrack] = [:]
    /// Latest E. coli and enterococci sample per beach.
    public var samples: [String: ProbeSamples] = [:]
    /// Rain readings of the last 24 h per gauge, oldest first.
    public var rain: [SensorID: [Sample]] = [:]
    /// When each pending alert fires if its condition still holds.
    public var raiseAt: [AlertFingerprint: Timestamp] = [:]
    public var nextAlertID: Int64 = 0
    public var lastSequence: Int64 = 0

    public init() {}
}

/// What the engine knows of one outfall.
public struct OutfallTrack: Sendable, Codable, Equatable {
    public var state: OverflowState
    public var since: Timestamp
    public var firstHeard: Timestamp
    public var lastHeard: Timestamp
    /// The end of the latest discharge.
    public var lastStop: Timestamp?
    /// Went offline in the middle of a discharge: until it reports again, assume it still discharges.
    public var dischargingWhenLost = false
    /// Beaches whose alert for the current discharge was marked not genuine (and resolved).
    public var discountedBeaches: Set<String> = []

    public init(state: OverflowState, since: Timestamp, firstHeard: Timestamp) {
        self.state = state
        self.since = since
        self.firstHeard = firstHeard
        self.lastHeard = since
    }
}

public struct ProbeSamples: Sendable, Codable, Equatable {
    public var ecoli: Sample?
    public var enterococci: Sample?

    public init(ecoli: Sample? = nil, enterococci: Sample? = nil) {
        self.ecoli = ecoli
        self.enterococci = enterococci
    }
}
