import FeedCore
import Parking
import Testing

@Suite struct ParkingQueryTests {
    static func carPark(
        _ id: String, latitude: Double, longitude: Double, hasFee: Bool = true, height: Int? = nil,
        type: CarParkType = .underground
    ) -> CarPark {
        CarPark(
            id: id, name: id, type: type, latitude: latitude, longitude: longitude, capacity: 100, hasFee: hasFee,
            maxHeightCentimetres: height, sensor: SensorID(id))
    }

    static func live(_ free: Int) -> Availability {
        Availability(
            free: free, occupied: 100 - free, status: .spacesAvailable, hasRealtimeData: true,
            observedAt: Timestamp(milliseconds: 0), dataAgeSeconds: 0)
    }

    static let unknown = Availability(
        free: nil, occupied: nil, status: .unknown, hasRealtimeData: false, observedAt: nil, dataAgeSeconds: nil)

    // Around Biarritz's Place Clemenceau (43.4832, -1.5586).
    let carParks: [(carPark: CarPark, availability: Availability)] = [
        (carPark("centre-low", latitude: 43.4839, longitude: -1.5578, height: 190), live(50)),
        (carPark("centre-high", latitude: 43.4829, longitude: -1.5594, height: 220), live(3)),
        (
            carPark(
                "free-open-air", latitude: 43.4760, longitude: -1.5560, hasFee: false, type: .offStreetParkingGround),
            live(80)
        ),
        (
            carPark("far-free", latitude: 43.4690, longitude: -1.5437, hasFee: false, type: .offStreetParkingGround),
            live(200)
        ),
        (carPark("no-data", latitude: 43.4833, longitude: -1.5587, height: 250), unknown),
    ]

    @Test func greatCircleDistanceMatchesKnownValues() {
        // One degree of latitude is about 111.2 km; Paris–London about 343.5 km.
        #expect(abs(greatCircleDistance(latitude: 0, longitude: 0, toLatitude: 1, longitude: 0) - 111_195) < 10)
        #expect(
            abs(
                greatCircleDistance(latitude: 48.8566, longitude: 2.3522, toLatitude: 51.5074, longitude: -0.1278)
                    - 343_500) < 1_500)
        #expect(greatCircleDistance(latitude: 43.48, longitude: -1.55, toLatitude: 43.48, longitude: -1.55) == 0)
    }

    @Test func aVanThatNeedsTwoMetresTenWithinOneKilometreFreeOfChargeOrNot() {
        let near = ParkingQuery.Circle(latitude: 43.4832, longitude: -1.5586, radiusMetres: 1_000)
        let vanFits = ParkingQuery(near: near, vehicleHeightCentimetres: 210).apply(to: carParks)
        // centre-low (1.90 m) is excluded; far-free is 2 km away; the rest sorted by distance.
        #expect(vanFits.map(\.carPark.id) == ["no-data", "centre-high", "free-open-air"])
        #expect(vanFits.map(\.distanceMetres!) == vanFits.map(\.distanceMetres!).sorted())
        let freeOnly = ParkingQuery(near: near, freeOfCharge: true, vehicleHeightCentimetres: 210).apply(to: carParks)
        #expect(freeOnly.map(\.carPark.id) == ["free-open-air"])
    }

    @Test func minimumFreeNeedsLiveFigures() {
        let result = ParkingQuery(minimumFree: 10).apply(to: carParks)
        #expect(result.map(\.carPark.id) == ["centre-low", "free-open-air", "far-free"])
        #expect(result.allSatisfy { $0.distanceMetres == nil })
    }

    @Test func boxAndType() {
        let box = ParkingQuery.Box(minLongitude: -1.56, minLatitude: 43.47, maxLongitude: -1.55, maxLatitude: 43.48)
        #expect(ParkingQuery(box: box).apply(to: carParks).map(\.carPark.id) == ["free-open-air"])
        #expect(
            ParkingQuery(type: .offStreetParkingGround).apply(to: carParks).map(\.carPark.id) == [
                "free-open-air", "far-free",
            ])
        #expect(ParkingQuery(freeOfCharge: false).apply(to: carParks).count == 3)
    }
}

/// The grid finds, from the cells a query reaches, every car park the query selects: the same answers as
/// looking at every car park, for random cities and queries (radii up to beyond the Earth's, boxes of any
/// size, the antimeridian and the poles included).
@Suite struct CarParkGridTests {
    @Test(arguments: [
        (43.48, -1.55, 0.5), (60.0, 24.9, 3.0), (-33.9, 151.2, 40.0), (0.0, 179.9, 0.4), (88.9, 0.0, 2.0),
    ])
    func theGridAnswersAsAScanOfEveryCarPark(latitude: Double, longitude: Double, spread: Double) {
        var generator = SeededGenerator(seed: UInt64(abs(latitude * 1_000 + longitude)))
        let carParks = (0..<2_000).map { index in
            ParkingQueryTests.carPark(
                "cp-\(index)",
                latitude: min(max(latitude + Double.random(in: -spread...spread, using: &generator), -90), 90),
                longitude: min(max(longitude + Double.random(in: -spread...spread, using: &generator), -180), 180))
        }
        let all = carParks.map { ($0, ParkingQueryTests.live(10)) }
        let grid = CarParkGrid(carParks)
        for _ in 0..<300 {
            let centreLatitude = latitude + Double.random(in: -spread...spread, using: &generator)
            let centreLongitude = longitude + Double.random(in: -spread...spread, using: &generator)
            var query = ParkingQuery()
            if Bool.random(using: &generator) {
                let radius = [50.0, 1_000, 5_000, 100_000, 30_000_000].randomElement(using: &generator)!
                query.near = .init(
                    latitude: min(max(centreLatitude, -90), 90), longitude: min(max(centreLongitude, -180), 180),
                    radiusMetres: radius)
            } else {
                let half = [0.001, 0.02, 0.5, 200].randomElement(using: &generator)!
                query.box = .init(
                    minLongitude: centreLongitude - half, minLatitude: centreLatitude - half,
                    maxLongitude: centreLongitude + half, maxLatitude: centreLatitude + half)
            }
            let candidates = grid.candidates(for: query).map { $0.map { all[$0] } } ?? all
            let expected = query.apply(to: all).map(\.carPark.id)
            #expect(query.apply(to: candidates).map(\.carPark.id) == expected, "\(query)")
        }
    }

    @Test func aQueryWithoutAPositionLooksAtEveryCarPark() {
        let grid = CarParkGrid([ParkingQueryTests.carPark("a", latitude: 43.48, longitude: -1.55)])
        #expect(grid.candidates(for: ParkingQuery(freeOfCharge: true)) == nil)
    }
}
