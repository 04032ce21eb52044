import FeedCore
import Parking
import Testing

@Suite struct BalancingCounterTests {
    let counter = BalancingCounter(capacity: 100, overnightOccupancy: 20, resetMinute: 240)
    let reset = Timestamp(milliseconds: 1_784_000_000_000)

    func at(_ minutes: Double, _ value: Double) -> Sample {
        Sample(time: reset.adding(seconds: minutes * 60), value: value)
    }

    @Test func countsFromTheOvernightOccupancy() {
        let state = counter.state(
            entries: [at(10, 30), at(20, 25)], exits: [at(15, 5), at(-5, 99)], operatorSet: nil, lastReset: reset,
            now: reset.adding(seconds: 3_600))
        // 20 + 30 - 5 + 25; the exit before the reset does not count.
        #expect(state.occupied == 70)
        #expect(state.drift == 0)
        #expect(state.calibrations.isEmpty)
        #expect(state.time == at(20, 0).time)
        #expect(state.timeline.map(\.value) == [50, 45, 70])
    }

    @Test func snapsBackIntoRangeAndRecordsTheDrift() {
        let state = counter.state(
            entries: [at(10, 90), at(30, 5)], exits: [at(20, 130)], operatorSet: nil, lastReset: reset,
            now: reset.adding(seconds: 3_600))
        // 20 + 90 = 110 → 100 (drift 10); 100 - 130 = -30 → 0 (drift 30); 0 + 5 = 5.
        #expect(state.occupied == 5)
        #expect(state.drift == 40)
        #expect(
            state.calibrations == [
                CalibrationEvent(time: at(10, 0).time, raw: 110, snappedTo: 100),
                CalibrationEvent(time: at(20, 0).time, raw: -30, snappedTo: 0),
            ])
    }

    @Test func cumulativeTotalsBecomeIncrementsThroughResets() {
        let totals = [at(0, 1_000), at(10, 1_030), at(20, 1_030), at(30, 12), at(40, 20)]
        let increments = BalancingCounter.increments(fromTotals: totals)
        // +30, +0, then the counter restarted from 0 and has counted 12, then +8.
        #expect(increments.map(\.value) == [30, 0, 12, 8])
        #expect(increments.map(\.time) == totals.dropFirst().map(\.time))
        let state = counter.state(
            entries: increments, exits: [], operatorSet: nil, lastReset: reset, now: reset.adding(seconds: 3_600))
        #expect(state.occupied == 20 + 50)
    }

    @Test func anOperatorCountAfterTheResetIsTheNewBaseline() {
        let state = counter.state(
            entries: [at(10, 30), at(50, 4)], exits: [], operatorSet: at(40, 60), lastReset: reset,
            now: reset.adding(seconds: 3_600))
        #expect(state.occupied == 64)
        #expect(state.baselineTime == at(40, 0).time)
        let stale = counter.state(
            entries: [at(10, 30)], exits: [], operatorSet: at(-60, 99), lastReset: reset,
            now: reset.adding(seconds: 3_600))
        #expect(stale.occupied == 50)  // yesterday's count gave way to the nightly reset
    }
}
