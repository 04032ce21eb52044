import FeedCore
import Foundation

/// A bathing water's seasonal class under the EU Bathing Water Directive 2006/7/EC, Annex II.
public enum WaterClass: String, Sendable, Codable, CaseIterable, Comparable {
    case excellent
    case good
    case sufficient
    case poor
    /// Fewer samples than the method needs: no class at all, never a guess.
    case insufficientData = "insufficient_data"

    private var rank: Int {
        switch self {
        case .excellent: 0
        case .good: 1
        case .sufficient: 2
        case .poor: 3
        case .insufficientData: 4
        }
    }

    public static func < (lhs: WaterClass, rhs: WaterClass) -> Bool { lhs.rank < rhs.rank }
}

/// The directive's two microbiological parameters.
public enum Parameter: String, Sendable, Codable, CaseIterable {
    case enterococci
    case ecoli
}

/// Annex II limits for one parameter, CFU/100 mL, all inclusive.
public struct ClassLimits: Sendable, Equatable {
    /// Excellent at or under this 95th percentile.
    public var excellentP95: Double
    /// Good at or under this 95th percentile.
    public var goodP95: Double
    /// Sufficient at or under this 90th percentile; poor above.
    public var sufficientP90: Double

    /// Annex I of the directive.
    public static func annex(_ water: WaterType, _ parameter: Parameter) -> ClassLimits {
        switch (water, parameter) {
        case (.coastal, .enterococci): ClassLimits(excellentP95: 100, goodP95: 200, sufficientP90: 185)
        case (.coastal, .ecoli): ClassLimits(excellentP95: 250, goodP95: 500, sufficientP90: 500)
        case (.inland, .enterococci): ClassLimits(excellentP95: 200, goodP95: 400, sufficientP90: 330)
        case (.inland, .ecoli): ClassLimits(excellentP95: 500, goodP95: 1_000, sufficientP90: 900)
        }
    }
}

/// One laboratory sample as the classification sees it.
public struct ClassificationSample: Sendable, Equatable {
    /// When the sample was taken.
    public var time: Timestamp
    /// E. coli, CFU/100 mL, when measured.
    public var ecoli: Double?
    /// Intestinal enterococci, CFU/100 mL, when measured.
    public var enterococci: Double?
    /// Taken during a declared short-term pollution event (a sewage-discharge alert): may be discounted.
    public var duringShortTermPollution: Bool

    /// A sample; `duringShortTermPollution` lets the classification discount it.
    public init(time: Timestamp, ecoli: Double?, enterococci: Double?, duringShortTermPollution: Bool = false) {
        self.time = time
        self.ecoli = ecoli
        self.enterococci = enterococci
        self.duringShortTermPollution = duringShortTermPollution
    }

    func value(_ parameter: Parameter) -> Double? {
        parameter == .ecoli ? ecoli : enterococci
    }
}

/// The percentile evaluation of one parameter.
public struct ParameterAssessment: Sendable, Equatable {
    /// Which parameter.
    public var parameter: Parameter
    /// Samples that counted.
    public var samples: Int
    /// Mean and standard deviation (n − 1) of the log10 counts.
    public var meanLog10: Double?
    /// Standard deviation of the log10 values.
    public var standardDeviationLog10: Double?
    /// The 95th percentile (log-normal, as Annex II computes it).
    public var percentile95: Double?
    /// The 90th percentile.
    public var percentile90: Double?
    /// The class this parameter alone gives.
    public var waterClass: WaterClass
}

/// A bathing water's class over the last seasons, with what each parameter gave and how many samples it rests on.
public struct Classification: Sendable, Equatable {
    /// The class: the worse of the two parameters', or insufficient without enough samples.
    public var waterClass: WaterClass
    /// What each parameter gave.
    public var parameters: [ParameterAssessment]
    /// Samples in the assessment period, and how many of them were discounted as short-term pollution.
    public var samples: Int
    /// How many of `samples` were discounted as short-term pollution.
    public var discounted: Int
    /// Seasons the assessment covers.
    public var seasons: Int
}

/// Annex II's method: per parameter, log10 of each count (a zero counts as the detection limit), mean μ and
/// standard deviation σ with n − 1, P95 = 10^(μ + 1.65σ), P90 = 10^(μ + 1.282σ); excellent or good by P95,
/// sufficient by P90, else poor; the class is the worse of the two parameters. Pure.
public struct Classifier: Sendable {
    /// Coastal or inland: which Annex II limits apply.
    public var water: WaterType
    /// What a count of zero stands for (the analytical method's detection limit), CFU/100 mL.
    public var detectionLimit: Double
    /// 16, or 8 when seasons last eight weeks or less.
    public var minimumSamples: Int

    /// A classifier for `water`, counting a zero as `detectionLimit` and needing `minimumSamples` to classify.
    public init(water: WaterType, detectionLimit: Double = 10, minimumSamples: Int = 16) {
        self.water = water
        self.detectionLimit = detectionLimit
        self.minimumSamples = minimumSamples
    }

    /// The minimum sample count the directive asks for a season of `days` days.
    public static func minimumSamples(seasonDays: Int) -> Int {
        seasonDays <= 56 ? 8 : 16
    }

    /// - Parameter seasons: the samples of each season of the assessment period (the last four), any order.
    ///   Samples taken during short-term pollution are discounted, oldest first, up to the directive's limit:
    ///   15 % of the samples, or one per season if that is more.
    public func classify(seasons: [[ClassificationSample]]) -> Classification {
        let all = seasons.flatMap { $0 }.sorted { $0.time < $1.time }
        let allowance = max(Int((Double(all.count) * 0.15).rounded(.down)), seasons.filter { !$0.isEmpty }.count)
        var discounted = 0
        let kept = all.filter { sample in
            guard sample.duringShortTermPollution, discounted < allowance else { return true }
            discounted += 1
            return false
        }
        let parameters = Parameter.allCases.compactMap { parameter -> ParameterAssessment? in
            let counts = kept.compactMap { $0.value(parameter) }
            return counts.isEmpty ? nil : assess(parameter, counts)
        }
        let waterClass = parameters.isEmpty ? .insufficientData : parameters.map(\.waterClass).max()!
        return Classification(
            waterClass: waterClass, parameters: parameters, samples: all.count, discounted: discounted,
            seasons: seasons.count)
    }

    /// The percentile evaluation of one parameter's counts.
    public func assess(_ parameter: Parameter, _ counts: [Double]) -> ParameterAssessment {
        guard counts.count >= max(minimumSamples, 2) else {
            return ParameterAssessment(
                parameter: parameter, samples: counts.count, meanLog10: nil, standardDeviationLog10: nil,
                percentile95: nil, percentile90: nil, waterClass: .insufficientData)
        }
        let logs = counts.map { log10($0 > 0 ? $0 : detectionLimit) }
        let n = Double(logs.count)
        let mean = logs.reduce(0, +) / n
        let deviation = (logs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)).squareRoot()
        let p95 = pow(10, mean + 1.65 * deviation)
        let p90 = pow(10, mean + 1.282 * deviation)
        let limits = ClassLimits.annex(water, parameter)
        // Inclusive limits, with room for rounding: 10^log10(200) comes back as 200.00000000000003.
        func within(_ value: Double, _ limit: Double) -> Bool { value <= limit * (1 + 1e-12) }
        let waterClass: WaterClass =
            within(p95, limits.excellentP95)
            ? .excellent
            : within(p95, limits.goodP95)
                ? .good
                : within(p90, limits.sufficientP90) ? .sufficient : .poor
        return ParameterAssessment(
            parameter: parameter, samples: counts.count, meanLog10: mean, standardDeviationLog10: deviation,
            percentile95: p95, percentile90: p90, waterClass: waterClass)
    }
}
