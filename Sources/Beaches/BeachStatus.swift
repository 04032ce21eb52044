import Alerts
import FeedCore

/// A beach's overall status for swimmers.
public enum BeachStatus: String, Sendable, Codable, CaseIterable {
    case good
    case average
    case poor
    /// Not enough fresh evidence to say: never shown as good.
    case unknown
}

/// The evidence a beach's status rests on.
public struct BeachEvidence: Sendable {
    /// Newest E. coli and enterococci samples of the beach's probe.
    public var ecoli: Sample?
    public var enterococci: Sample?
    /// The condition of each linked outfall.
    public var outfalls: [(id: SensorID, condition: SewageCondition)]

    public init(ecoli: Sample?, enterococci: Sample?, outfalls: [(id: SensorID, condition: SewageCondition)]) {
        self.ecoli = ecoli
        self.enterococci = enterococci
        self.outfalls = outfalls
    }
}

/// The outcome of an assessment: the status, and in words why.
public struct BeachAssessment: Sendable, Equatable {
    public var status: BeachStatus
    /// The latest sample's own grade, with its time.
    public var sampleQuality: SampleQuality?
    public var sampleTime: Timestamp?
    public var sampleAgeSeconds: Double?
    public var reasons: [String]
}

/// Combines the latest sample, its age and the sewage conditions into a beach status. Pure.
public struct BeachAssessor: Sendable {
    public var thresholds: SampleThresholds
    /// A sample older than this no longer vouches for the water.
    public var maxSampleAgeSeconds: Double

    public init(thresholds: SampleThresholds, maxSampleAgeSeconds: Double = 72 * 3_600) {
        self.thresholds = thresholds
        self.maxSampleAgeSeconds = maxSampleAgeSeconds
    }

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

        for (outfall, condition) in evidence.outfalls {
            switch condition {
            case .discharging(let since):
                status = .poor
                reasons.append("outfall \(outfall) discharging since \(since.iso8601)")
            case .recentDischarge(let stoppedAt, let until):
                status = .poor
                reasons.append("outfall \(outfall) discharged until \(stoppedAt.iso8601); alert holds until \(until.iso8601)")
            case .offline:
                if status != .poor { status = .unknown }
                reasons.append("outfall \(outfall) monitor offline")
            case .unknown:
                if status != .poor { status = .unknown }
                reasons.append("outfall \(outfall) state unknown")
            case .clear:
                break
            }
        }
        return BeachAssessment(
            status: status, sampleQuality: quality, sampleTime: sampleTime, sampleAgeSeconds: age, reasons: reasons)
    }
}
