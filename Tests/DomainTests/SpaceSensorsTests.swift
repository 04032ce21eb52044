import FeedCore
import Parking
import Testing

@Suite struct SpaceSensorsTests {
    let sensors = SpaceSensors(spaces: ["s1", "s2", "s3", "s4", "s5"], heartbeatSeconds: 3_600)
    let now = Timestamp(milliseconds: 1_784_000_000_000)

    func heard(_ minutesAgo: Double, _ state: SpaceState) -> Sample {
        Sample(time: now.adding(seconds: -minutesAgo * 60), value: state.value)
    }

    @Test func silentAndUnsureSpacesAreUnknownNotFree() {
        let count = sensors.count(
            latest: [heard(5, .vacant), heard(10, .occupied), heard(61, .vacant), heard(1, .unknown), nil], now: now)
        #expect(count.vacant == 1)
        #expect(count.occupied == 1)
        #expect(count.unknown == 3)
        #expect(count.newest == heard(1, .unknown).time)
    }

    @Test func nothingHeardAtAll() {
        let count = sensors.count(latest: [nil, nil, nil, nil, nil], now: now)
        #expect((count.vacant, count.occupied, count.unknown) == (0, 0, 5))
        #expect(count.newest == nil)
    }
}
