import FeedCore

/// A beach's overall status for swimmers.
public enum BeachStatus: String, Sendable, Codable, CaseIterable {
    case good
    case average
    case poor
    /// Not enough fresh evidence to say: never shown as good.
    case unknown
    /// Closed by municipal order.
    case closed
}

/// The mayor's order closing a beach, or reopening it against the automatic evidence.
public struct BeachOverride: Sendable, Codable, Equatable {
    /// What a municipal order does: close the beach or reopen it.
    public enum Action: String, Sendable, Codable, CaseIterable {
        case close
        case open
    }

    /// Close or reopen.
    public var action: Action
    /// Why, as the public will read it.
    public var reason: String
    /// Who ordered it (the mayor's office, the prefecture).
    public var author: String
    /// When it took effect.
    public var at: Timestamp
    /// When the order lapses by itself; `nil` until an operator lifts it.
    public var until: Timestamp?

    /// An order taking effect at `at`, until `until` or until lifted.
    public init(action: Action, reason: String, author: String, at: Timestamp, until: Timestamp? = nil) {
        self.action = action
        self.reason = reason
        self.author = author
        self.at = at
        self.until = until
    }

    /// Whether the order is in force at `time` (it may have an end).
    public func isActive(at time: Timestamp) -> Bool {
        at <= time && until.map { time < $0 } ?? true
    }
}

/// The evidence a beach's status rests on.
public struct BeachEvidence: Sendable {
    /// Newest E. coli and enterococci samples of the beach's probe.
    public var ecoli: Sample?
    /// The newest intestinal enterococci sample.
    public var enterococci: Sample?
    /// The condition of each linked outfall.
    public var outfalls: [(id: SensorID, condition: OutfallCondition)]
    /// A preventive heavy-rain alert is open.
    public var heavyRain: String?
    /// Signs of a plume the probe showed over the last day.
    public var plumeSigns: [PlumeSign]
    /// The municipal order in force, if any: it decides over everything else.
    public var override: BeachOverride?

    /// The evidence for one beach at one moment.
    public init(
        ecoli: Sample?, enterococci: Sample?, outfalls: [(id: SensorID, condition: OutfallCondition)],
        heavyRain: String? = nil, plumeSigns: [PlumeSign] = [], override: BeachOverride? = nil
    ) {
        self.ecoli = ecoli
        self.enterococci = enterococci
        self.outfalls = outfalls
        self.heavyRain = heavyRain
        self.plumeSigns = plumeSigns
        self.override = override
    }
}

/// The outcome of an assessment: the status, and in words why.
public struct BeachAssessment: Sendable, Equatable {
    /// Swimming advised, not advised, closed or unknown.
    public var status: BeachStatus
    /// The latest sample's own grade, with its time.
    public var sampleQuality: SampleQuality?
    /// When the sample the grade rests on was taken.
    public var sampleTime: Timestamp?
    /// How old that sample is.
    public var sampleAgeSeconds: Double?
    /// `clear`, `alert` (a linked outfall discharging or in its hold) or `unknown` (a monitor offline or
    /// never heard).
    public var sewage: String
    /// The reasons for the status, most important first, in plain words.
    public var reasons: [String]
}

/// Combines the latest sample, its age, the outfalls, the preventive alerts, the probe's plume signs and the
/// municipal order into a beach status. Pure.
public struct BeachAssessor: Sendable {
    /// The per-sample limits of the beach's water type.
    public var thresholds: SampleThresholds
    /// A sample older than this no longer vouches for the water.
    public var maxSampleAgeSeconds: Double

    /// An assessor grading against `thresholds`, taking samples older than `maxSampleAgeSeconds` as saying nothing.
    public init(thresholds: SampleThresholds, maxSampleAgeSeconds: Double = 72 * 3_600) {
        self.thresholds = thresholds
        self.maxSampleAgeSeconds = maxSampleAgeSeconds
    }

    /// The beach's status and the reasons for it, from the evidence at `now`; unknown is never reported as safe.
    public func assess(_ evidence: BeachEvidence, now: Timestamp) -> BeachAssessment {
        var reasons: [String] = []
        let sampleTime = [evidence.ecoli?.time, evidence.enterococci?.time].compactMap { $0 }.max()
        let quality = thresholds.quality(ecoli: evidence.ecoli?.value, enterococci: evidence.enterococci?.value)
        let age = sampleTime.map { max(0, now.seconds(since: $0)) }

        var status: BeachStatus
        if let quality, let age, age <= maxSampleAgeSeconds {
            status = BeachStatus(rawValue: quality.rawValue) ?? .unknown
            reasons.append("latest sample \(quality.rawValue)")
        } else if quality != nil {
            status = .unknown
            reasons.append("latest sample is older than \(Int(maxSampleAgeSeconds / 3_600)) h")
        } else {
            status = .unknown
            reasons.append("no sample")
        }

        // Everything below can only make the status worse; a reopening order sets aside the automatic
        // warnings (never the age of the evidence).
        let override = evidence.override.flatMap { $0.isActive(at: now) ? $0 : nil }
        let reopened = override?.action == .open
        var sewage = "clear"
        for (outfall, condition) in evidence.outfalls {
            switch condition {
            case .discharging(let since):
                sewage = "alert"
                reasons.append("outfall \(outfall) discharging since \(since.iso8601)")
            case .recentDischarge(let stoppedAt, let until):
                sewage = "alert"
                let holds = until.map { "warning holds until \($0.iso8601)" } ?? "warning holds until a clean sample"
                reasons.append("outfall \(outfall) discharged until \(stoppedAt.iso8601); \(holds)")
            case .offline:
                if sewage != "alert" { sewage = "unknown" }
                reasons.append("outfall \(outfall) monitor offline")
            case .unknown:
                if sewage != "alert" { sewage = "unknown" }
                reasons.append("outfall \(outfall) never reported")
            case .clear:
                break
            }
        }
        if !reopened {
            if sewage == "alert" { status = .poor }
            if sewage == "unknown", status != .poor { status = .unknown }
            if let rain = evidence.heavyRain {
                reasons.append(rain)
                if status == .good { status = .average }
            }
            for sign in evidence.plumeSigns {
                reasons.append(
                    sign.kind == .turbidityJump
                        ? "turbidity jumped to \(sign.value) NTU (day's median \(sign.baseline))"
                        : "salinity dropped to \(sign.value) PSU (day's median \(sign.baseline))")
                if status == .good { status = .average }
            }
        }
        if let override {
            switch override.action {
            case .close:
                status = .closed
                reasons.insert("closed by municipal order (\(override.author)): \(override.reason)", at: 0)
            case .open:
                reasons.insert("reopened by municipal order (\(override.author)): \(override.reason)", at: 0)
            }
        }
        return BeachAssessment(
            status: status, sampleQuality: quality, sampleTime: sampleTime, sampleAgeSeconds: age, sewage: sewage,
            reasons: reasons)
    }
}
