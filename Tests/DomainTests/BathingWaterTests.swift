import Alerts
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

@Suite struct DischargeRuleTests {
    let rule = DischargeRule(holdSeconds: 48 * 3_600)
    let hour = 3_600.0

    func at(_ hours: Double) -> Timestamp { Timestamp(milliseconds: 0).adding(seconds: hours * hour) }
    func state(_ hours: Double, _ state: OverflowState) -> Sample { Sample(time: at(hours), value: state.value) }

    @Test func noDataIsUnknown() {
        #expect(rule.condition(history: [], complete: true, now: at(1)) == .unknown)
    }

    @Test func dischargingSinceTheStartOfTheRun() {
        let history = [state(0, .stopped), state(10, .discharging), state(11, .discharging)]
        #expect(rule.condition(history: history, complete: true, now: at(12)) == .discharging(since: at(10)))
    }

    @Test func holdsFortyEightHoursAfterTheStop() {
        let history = [state(10, .discharging), state(12, .stopped), state(13, .stopped)]
        #expect(
            rule.condition(history: history, complete: true, now: at(59.9))
                == .recentDischarge(stoppedAt: at(12), until: at(60)))
        #expect(rule.condition(history: history, complete: true, now: at(60)) == .clear)
    }

    @Test func offlineIsReportedWithItsStart() {
        let history = [state(0, .stopped), state(5, .offline), state(6, .offline)]
        #expect(rule.condition(history: history, complete: true, now: at(7)) == .offline(since: at(5)))
    }

    @Test func anIncompleteHistoryCannotProveTheWaterClear() {
        let history = [state(100, .stopped), state(101, .stopped)]
        #expect(rule.condition(history: history, complete: false, now: at(102)) == .unknown)
        #expect(rule.condition(history: history, complete: true, now: at(102)) == .clear)
        // Stopped for longer than the hold: clear even if older history is gone.
        #expect(rule.condition(history: history, complete: false, now: at(149)) == .clear)
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
            BeachEvidence(ecoli: sample(30, hoursAgo: 2), enterococci: sample(20, hoursAgo: 2), outfalls: [("o", .clear)]),
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
