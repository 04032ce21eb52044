import FeedCore
import Parking
import Testing

@Suite struct AvailabilityTests {
    let carPark = CarPark(
        id: "casino", name: "Casino", type: .underground, latitude: 43.48, longitude: -1.56, capacity: 400,
        hasFee: true, sensor: "casino", almostFullFree: 20)
    let calculator = AvailabilityCalculator(staleAfterSeconds: 1_800)
    let now = Timestamp(milliseconds: 10_000_000)

    func sample(_ value: Double, secondsAgo: Double = 60) -> Sample {
        Sample(time: now.adding(seconds: -secondsAgo), value: value)
    }

    @Test(arguments: [
        (341.0, 59, ParkingStatus.spacesAvailable),
        (380, 20, .almostFull),
        (381, 19, .almostFull),
        (399, 1, .almostFull),
        (400, 0, .full),
        (430, 0, .full),  // a counter overshooting capacity: never negative free spaces
        (-4, 400, .spacesAvailable),
        (0, 400, .spacesAvailable),
        (12.4, 388, .spacesAvailable),
    ])
    func freeSpacesFromAnOccupiedCount(occupied: Double, free: Int, status: ParkingStatus) {
        let availability = calculator.availability(of: carPark, occupied: sample(occupied), free: nil, now: now)
        #expect(availability.free == free)
        #expect(availability.occupied == 400 - free)
        #expect(availability.status == status)
        #expect(availability.hasRealtimeData)
    }

    @Test func aFreeCountWorksTooAndTheNewerReadingWins() {
        let fromFree = calculator.availability(of: carPark, occupied: nil, free: sample(25), now: now)
        #expect(fromFree.free == 25)
        #expect(fromFree.occupied == 375)

        let both = calculator.availability(
            of: carPark, occupied: sample(100, secondsAgo: 120), free: sample(50, secondsAgo: 10), now: now)
        #expect(both.free == 50)
        let olderFree = calculator.availability(
            of: carPark, occupied: sample(100, secondsAgo: 10), free: sample(50, secondsAgo: 120), now: now)
        #expect(olderFree.free == 300)
    }

    @Test func staleOrMissingDataIsUnknownNotFree() {
        let stale = calculator.availability(of: carPark, occupied: sample(10, secondsAgo: 1_801), free: nil, now: now)
        #expect(stale.status == .unknown)
        #expect(stale.free == nil)
        #expect(!stale.hasRealtimeData)
        #expect(stale.dataAgeSeconds == 1_801)

        let fresh = calculator.availability(of: carPark, occupied: sample(10, secondsAgo: 1_800), free: nil, now: now)
        #expect(fresh.hasRealtimeData)

        let none = calculator.availability(of: carPark, occupied: nil, free: nil, now: now)
        #expect(none.status == .unknown)
        #expect(none.observedAt == nil)
    }

    @Test func freePlusOccupiedIsAlwaysTheCapacity() {
        for value in stride(from: -50.0, through: 500, by: 7.3) {
            let a = calculator.availability(of: carPark, occupied: sample(value), free: nil, now: now)
            let b = calculator.availability(of: carPark, occupied: nil, free: sample(value), now: now)
            for availability in [a, b] {
                #expect((availability.free ?? -1) + (availability.occupied ?? -1) == 400)
                #expect((0...400).contains(availability.free ?? -1))
            }
        }
    }
}
