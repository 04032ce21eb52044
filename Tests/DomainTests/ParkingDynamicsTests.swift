import FeedCore
import Parking
import Testing

@Suite struct ParkingDynamicsTests {
    let dynamics = ParkingDynamics(hysteresisFree: 3, stableSharePerHour: 0.02)

    @Test(arguments: [
        ([50, 30, 20], ParkingStatus.spacesAvailable),
        ([50, 10], .almostFull),
        ([10, 11, 12, 13], .almostFull),  // back above 10 but not above 10 + 3
        ([10, 14], .spacesAvailable),
        ([5, 0], .full),
        ([0, 2, 3], .full),  // hovering just above zero stays full
        ([0, 4], .almostFull),
        ([0, 40], .spacesAvailable),
        ([12, 10, 9, 11, 10, 12], .almostFull),  // a count hovering at the threshold does not flicker
    ])
    func statusWithHysteresis(free: [Int], expected: ParkingStatus) {
        #expect(dynamics.status(freeHistory: free, almostFullFree: 10) == expected)
    }

    func samples(_ values: [Double], everyMinutes: Double = 10) -> [Sample] {
        values.enumerated().map {
            Sample(time: Timestamp(milliseconds: 0).adding(seconds: Double($0) * everyMinutes * 60), value: $1)
        }
    }

    @Test(arguments: [
        // (minutes between reports, the cut-off in minutes with a 30-minute floor)
        (5.0, 30.0),  // a frequent feed keeps the floor
        (30.0, 60.0),  // a half-hourly feed is not blanked for part of each interval
        (60.0, 120.0),  // never more than four times the floor…
        (24 * 60.0, 120.0),  // …so a daily feed is never live all day
    ])
    func theCutOffFollowsTheFeedsReportingInterval(interval: Double, expected: Double) {
        let origin = Timestamp(milliseconds: 1_700_000_000_000)
        let reports = (0..<20).map { origin.adding(seconds: Double($0) * interval * 60) }
        #expect(dynamics.staleAfter(floor: 1_800, reports: reports) == expected * 60)
        #expect(dynamics.staleAfter(floor: 1_800, reports: [origin]) == 1_800)  // too few reports: the floor
    }

    @Test func forecastBucketsAreFiveMinutesLong() {
        let start = Timestamp(milliseconds: 1_700_000_100_000)  // a multiple of 300 s
        #expect(ParkingDynamics.forecastBucket(start) == start)
        #expect(ParkingDynamics.forecastBucket(start.adding(seconds: 299.999)) == start)
        #expect(ParkingDynamics.forecastBucket(start.adding(seconds: 300)) == start.adding(seconds: 300))
    }

    @Test func slopeTrendAndMinutesToFull() throws {
        // +10 spaces every 10 minutes: 60 an hour.
        let rate = try #require(dynamics.occupiedPerHour(samples([100, 110, 120, 130, 140, 150, 160])))
        #expect(abs(rate - 60) < 1e-9)
        #expect(dynamics.trend(occupiedPerHour: rate, capacity: 400) == .increasing)
        #expect(dynamics.minutesToFull(free: 240, occupiedPerHour: rate, capacity: 400) == 240)
        #expect(dynamics.trend(occupiedPerHour: -60, capacity: 400) == .decreasing)
        #expect(dynamics.trend(occupiedPerHour: 7, capacity: 400) == .stable)  // under 2 % of 400 an hour
        #expect(dynamics.minutesToFull(free: 240, occupiedPerHour: -60, capacity: 400) == nil)
        #expect(dynamics.occupiedPerHour(samples([1, 2], everyMinutes: 1)) == nil)  // under 10 minutes of data
        #expect(dynamics.occupiedPerHour(samples([5])) == nil)
    }

    @Test func forecastFromPreviousDaysElseTheTrendAlwaysWithinCapacity() {
        let fromDays = dynamics.forecastFree(
            now: 100, minutes: 30, capacity: 400, occupiedPerHour: 500,
            sameTimeOnPreviousDays: [(then: 120, later: 80), (then: 100, later: 80)])
        #expect(fromDays == 70)  // previous days lost 30 spaces on average; the trend is ignored
        #expect(
            dynamics.forecastFree(now: 100, minutes: 60, capacity: 400, occupiedPerHour: 60, sameTimeOnPreviousDays: [])
                == 40)
        #expect(
            dynamics.forecastFree(now: 10, minutes: 60, capacity: 400, occupiedPerHour: 600, sameTimeOnPreviousDays: [])
                == 0)
        #expect(
            dynamics.forecastFree(
                now: 390, minutes: 60, capacity: 400, occupiedPerHour: -600, sameTimeOnPreviousDays: []) == 400)
        #expect(
            dynamics.forecastFree(
                now: 100, minutes: 30, capacity: 400, occupiedPerHour: nil, sameTimeOnPreviousDays: []) == nil)
    }
}
