import FeedCore

/// Everything the engine remembers between readings; journalled after each change so a restart resumes
/// exactly where it stopped.
public struct EngineState: Sendable, Codable, Equatable {
    /// The latest time the engine has reached, from readings or the wall clock; only moves forward. Rules do
    /// not decide from it (each subject has its own time, `marks`); it dates what an operator or a reload does.
    public var clock = Timestamp(milliseconds: 0)
    /// The open alerts, by fingerprint.
    public var open = ChangeTrackedMap<AlertFingerprint, Alert>()
    /// What is known of each outfall.
    public var outfalls = ChangeTrackedMap<SensorID, OutfallTrack>()
    /// Latest E. coli and enterococci sample per beach.
    public var samples = ChangeTrackedMap<String, ProbeSamples>()
    /// Rain readings of the last 24 h per gauge, oldest first.
    public var rain = ChangeTrackedMap<SensorID, [Sample]>()
    /// When each pending alert fires if its condition still holds.
    public var raiseAt = ChangeTrackedMap<AlertFingerprint, Timestamp>()
    /// The id the next alert will get.
    public var nextAlertID: Int64 = 0
    /// The latest transition's sequence.
    public var lastSequence: Int64 = 0
    /// Each subject's (outfall, rain gauge) newest applied observation and when it arrived: the subject's own
    /// time, and whether the wall clock may move it on.
    public var marks = ChangeTrackedMap<SensorID, SubjectMark>()
    /// When each fingerprint's latest alert resolved: a later alert of the same fingerprint never starts
    /// before it, so a beach has at most one open alert per rule at every instant of history.
    public var lastResolved = ChangeTrackedMap<AlertFingerprint, Timestamp>()

    /// A fresh state: no alert, no subject heard.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case clock, open, outfalls, samples, rain, raiseAt, nextAlertID, lastSequence, marks, lastResolved
    }

    /// Journals written before `marks` and `lastResolved` existed decode with both empty.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        clock = try container.decode(Timestamp.self, forKey: .clock)
        open = try container.decode(ChangeTrackedMap.self, forKey: .open)
        outfalls = try container.decode(ChangeTrackedMap.self, forKey: .outfalls)
        samples = try container.decode(ChangeTrackedMap.self, forKey: .samples)
        rain = try container.decode(ChangeTrackedMap.self, forKey: .rain)
        raiseAt = try container.decode(ChangeTrackedMap.self, forKey: .raiseAt)
        nextAlertID = try container.decode(Int64.self, forKey: .nextAlertID)
        lastSequence = try container.decode(Int64.self, forKey: .lastSequence)
        marks = try container.decodeIfPresent(ChangeTrackedMap.self, forKey: .marks) ?? ChangeTrackedMap()
        lastResolved = try container.decodeIfPresent(ChangeTrackedMap.self, forKey: .lastResolved) ?? ChangeTrackedMap()
    }

    /// The state's single values, kept at the start of a step to compare with and to go back to.
    public struct Counters: Sendable, Codable, Equatable {
        /// See ``EngineState/clock``.
        public var clock: Timestamp
        /// See ``EngineState/nextAlertID``.
        public var nextAlertID: Int64
        /// See ``EngineState/lastSequence``.
        public var lastSequence: Int64
    }

    /// The single values as they stand.
    public var counters: Counters {
        get { Counters(clock: clock, nextAlertID: nextAlertID, lastSequence: lastSequence) }
        set { (clock, nextAlertID, lastSequence) = (newValue.clock, newValue.nextAlertID, newValue.lastSequence) }
    }

    /// Whether the step that began at `start` changed anything worth journalling: an entry, an alert id or a
    /// sequence. The clock alone is not: it only dates what comes next, and moves on every reading.
    public func hasChanges(since start: Counters) -> Bool {
        nextAlertID != start.nextAlertID || lastSequence != start.lastSequence || open.hasChanges
            || outfalls.hasChanges || samples.hasChanges || rain.hasChanges || raiseAt.hasChanges
            || marks.hasChanges || lastResolved.hasChanges
    }

    /// Whether the step that began at `start` changed anything a restart must find at once: everything but
    /// the subjects' watermarks and the outfalls' `lastHeard`, which every reading of a subject moves and no
    /// rule decides from after a restart (a watermark left behind lets a redelivered reading through, which
    /// the rules absorb; a state change is guarded by its own time). Those wait for ``hasDeferredChanges``.
    public func hasEssentialChanges(since start: Counters) -> Bool {
        nextAlertID != start.nextAlertID || lastSequence != start.lastSequence || open.hasChanges
            || samples.hasChanges || rain.hasChanges || raiseAt.hasChanges || lastResolved.hasChanges
            || outfalls.hasChanges(where: Self.isEssential)
    }

    /// Whether an outfall's track changed in more than its `lastHeard`.
    static func isEssential(_ old: OutfallTrack?, _ new: OutfallTrack?) -> Bool {
        guard var old, let new else { return true }
        old.lastHeard = new.lastHeard
        return old != new
    }

    /// Whether watermarks or `lastHeard`s changed since they were last journalled.
    public var hasDeferredChanges: Bool { marks.hasChanges || outfalls.hasChanges }

    /// Ends a step: its changes stay. With `keepingDeferred`, the watermarks' and outfalls' changes stay
    /// pending, to be journalled with a later step.
    public mutating func commit(keepingDeferred: Bool = false) {
        open.commit()
        samples.commit()
        rain.commit()
        raiseAt.commit()
        lastResolved.commit()
        if keepingDeferred {
            outfalls.commit(where: Self.isEssential)
        } else {
            outfalls.commit()
            marks.commit()
        }
    }

    /// Undoes the step that began at `start`.
    public mutating func rollBack(to start: Counters) {
        counters = start
        open.rollBack()
        outfalls.rollBack()
        samples.rollBack()
        rain.rollBack()
        raiseAt.rollBack()
        marks.rollBack()
        lastResolved.rollBack()
    }
}

/// How far one subject's data has come.
public struct SubjectMark: Sendable, Codable, Equatable {
    /// The newest observation time applied: the subject's watermark. A reading older than it is late.
    public var watermark: Timestamp
    /// When the reading that carried the watermark was received.
    public var arrival: Timestamp

    /// A mark at `watermark`, carried by a reading received at `arrival`.
    public init(watermark: Timestamp, arrival: Timestamp) {
        self.watermark = watermark
        self.arrival = arrival
    }
}

/// What the engine knows of one outfall.
public struct OutfallTrack: Sendable, Codable, Equatable {
    /// The latest reported state.
    public var state: OverflowState
    /// Since when the outfall has been in it.
    public var since: Timestamp
    /// When the outfall was first heard from.
    public var firstHeard: Timestamp
    /// When it last reported.
    public var lastHeard: Timestamp
    /// The end of the latest discharge.
    public var lastStop: Timestamp?
    /// Went offline in the middle of a discharge: until it reports again, assume it still discharges.
    public var dischargingWhenLost = false
    /// Beaches whose alert for the current discharge was marked not genuine (and resolved).
    public var discountedBeaches: Set<String> = []

    /// An outfall first heard in `state`.
    public init(state: OverflowState, since: Timestamp, firstHeard: Timestamp) {
        self.state = state
        self.since = since
        self.firstHeard = firstHeard
        self.lastHeard = since
    }
}

/// A beach probe's newest E. coli and enterococci samples, as the engine last saw them.
public struct ProbeSamples: Sendable, Codable, Equatable {
    /// The newest E. coli sample.
    public var ecoli: Sample?
    /// The newest enterococci sample.
    public var enterococci: Sample?

    /// Samples as given.
    public init(ecoli: Sample? = nil, enterococci: Sample? = nil) {
        self.ecoli = ecoli
        self.enterococci = enterococci
    }
}
