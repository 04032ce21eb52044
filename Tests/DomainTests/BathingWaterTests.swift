import Beaches
import FeedCore
import Testing

@Suite struct SampleThresholdTests {
    @Test(arguments: [
        (WaterType.coastal, 100.0, 100.0, SampleQuality.good),
        (.coastal, 101, 20, .average),
        (.coastal, 20, 101, .average),
        (.coastal, 1_000, 370, .average),  // limits are inclusive
        (.coastal, 1_001, 10, .poor),
        (.coastal, 10, 371, .poor),
        (.inland, 1_800, 660, .average),
        (.inland, 1_801, 10, .poor),
        (.inland, 10, 661, .poor),
        (.coastal, 0, 0, .good),
    ])
    func gradesOneSample(water: WaterType, ecoli: Double, enterococci: Double, quality: SampleQuality) {
        #expect(SampleThresholds.defaults(for: water).quality(ecoli: ecoli, enterococci: enterococci) == quality)
    }

    @Test func oneParameterIsEnoughAndNoneIsNothing() {
        let thresholds = SampleThresholds.defaults(for: .coastal)
        #expect(thresholds.quality(ecoli: 2_000, enterococci: nil) == .poor)
        #expect(thresholds.quality(ecoli: nil, enterococci: 50) == .good)
        #expect(thresholds.quality(ecoli: nil, enterococci: nil) == nil)
    }
}

@Suite struct BeachAssessorTests {
    let assessor = BeachAssessor(thresholds: .defaults(for: .coastal), maxSampleAgeSeconds: 72 * 3_600)
    let now = Timestamp(milliseconds: 1_000_000_000)

    func sample(_ value: Double, hoursAgo: Double) -> Sample {
        Sample(time: now.adding(seconds: -hoursAgo * 3_600), value: value)
    }

    @Test func aFreshGoodSampleWithClearOutfallsIsGood() {
        let result = assessor.assess(
            BeachEvidence(
                ecoli: sample(30, hoursAgo: 2), enterococci: sample(20, hoursAgo: 2), outfalls: [("o", .clear)]),
            now: now)
        #expect(result.status == .good)
        #expect(result.sampleTime == now.adding(seconds: -7_200))
    }

    @Test func staleOrMissingEvidenceIsNeverGood() {
        let stale = assessor.assess(
            BeachEvidence(ecoli: sample(30, hoursAgo: 73), enterococci: nil, outfalls: []), now: now)
        #expect(stale.status == .unknown)
        #expect(stale.sampleQuality == .good)
        let none = assessor.assess(BeachEvidence(ecoli: nil, enterococci: nil, outfalls: []), now: now)
        #expect(none.status == .unknown)
        let offline = assessor.assess(
            BeachEvidence(ecoli: sample(30, hoursAgo: 1), enterococci: nil, outfalls: [("o", .offline(since: now))]),
            now: now)
        #expect(offline.status == .unknown)
    }

    @Test func aDischargeMakesTheBeachPoorWhateverTheLastSampleSaid() {
        let result = assessor.assess(
            BeachEvidence(
                ecoli: sample(10, hoursAgo: 1), enterococci: sample(10, hoursAgo: 1),
                outfalls: [("o1", .clear), ("o2", .discharging(since: now.adding(seconds: -600)))]),
            now: now)
        #expect(result.status == .poor)
        #expect(result.reasons.contains { $0.contains("o2 discharging") })
    }
}
