import FeedCore

/// The EU Bathing Water Directive's two water categories, which have different limits.
public enum WaterType: String, Sendable, Codable, CaseIterable {
    /// Coastal and transitional waters (the sea).
    case coastal
    /// Inland waters (lakes, rivers).
    case inland
}

/// The result of one sample, as French beaches post it daily (bon / moyen / mauvais). Never a classification.
public enum SampleQuality: String, Sendable, Codable, CaseIterable {
    case good
    case average
    case poor
}

/// Per-sample limits in CFU/100 mL: good at or below `good…`, poor above `poor…`, average between.
///
/// The defaults follow docs/bathing-water.md (the AFSSET 2007 proposal as reproduced by two independent implementations;
/// the official French table is published only as an image) and are configurable.
public struct SampleThresholds: Sendable, Equatable, Codable {
    /// A sample is good at or under these…
    public var goodEcoli: Double
    /// …E. coli and enterococci counts (CFU/100 mL).
    public var goodEnterococci: Double
    /// A sample is poor above these…
    public var poorEcoli: Double
    /// …counts; sufficient between.
    public var poorEnterococci: Double

    /// Limits as configured.
    public init(goodEcoli: Double, goodEnterococci: Double, poorEcoli: Double, poorEnterococci: Double) {
        self.goodEcoli = goodEcoli
        self.goodEnterococci = goodEnterococci
        self.poorEcoli = poorEcoli
        self.poorEnterococci = poorEnterococci
    }

    /// The per-sample limits used when the configuration gives none for this water type.
    public static func defaults(for water: WaterType) -> SampleThresholds {
        switch water {
        case .coastal: SampleThresholds(goodEcoli: 100, goodEnterococci: 100, poorEcoli: 1_000, poorEnterococci: 370)
        case .inland: SampleThresholds(goodEcoli: 100, goodEnterococci: 100, poorEcoli: 1_800, poorEnterococci: 660)
        }
    }

    /// Grades one sample; a parameter that was not measured does not count either way.
    public func quality(ecoli: Double?, enterococci: Double?) -> SampleQuality? {
        guard ecoli != nil || enterococci != nil else { return nil }
        if let ecoli, ecoli > poorEcoli { return .poor }
        if let enterococci, enterococci > poorEnterococci { return .poor }
        if let ecoli, ecoli > goodEcoli { return .average }
        if let enterococci, enterococci > goodEnterococci { return .average }
        return .good
    }
}
