import FeedCore
import Foundation
import Parking
import Testing

@Suite struct OpeningHoursTests {
    @Test(arguments: [
        ("24/7", 0, 0, true), ("24/7", 6, 1_439, true),
        ("Mo-Fr 08:00-20:00", 0, 8 * 60, true), ("Mo-Fr 08:00-20:00", 0, 20 * 60, false),
        ("Mo-Fr 08:00-20:00", 5, 12 * 60, false),
        ("Mo-Fr 08:00-20:00; Sa 09:00-12:00,14:00-19:00", 5, 13 * 60, false),
        ("Mo-Fr 08:00-20:00; Sa 09:00-12:00,14:00-19:00", 5, 15 * 60, true),
        ("Mo-Su 07:00-22:00; Su off", 6, 12 * 60, false),
        ("Mo-Su 07:00-22:00; Su off", 5, 12 * 60, true),
        ("Fr-Sa 20:00-02:00", 4, 23 * 60, true), ("Fr-Sa 20:00-02:00", 5, 60, true),  // Friday night into Saturday
        ("Fr-Sa 20:00-02:00", 6, 60, true), ("Fr-Sa 20:00-02:00", 6, 3 * 60, false),
        ("Su-Tu 10:00-11:00", 0, 10 * 60 + 30, true), ("Su-Tu 10:00-11:00", 3, 10 * 60 + 30, false),
    ])
    func answers(hours: String, weekday: Int, minute: Int, open: Bool) throws {
        #expect(try OpeningHours(parsing: hours).isOpen(weekday: weekday, minute: minute) == open)
    }

    @Test(arguments: [
        "Mo", "Xx 08:00-10:00", "Mo 8-10", "Mo 25:00-26:00", "Mo-Fr 08:00", "PH off", "Jan Mo 08:00-10:00",
    ])
    func refusesWhatItDoesNotUnderstand(hours: String) {
        #expect(throws: OpeningHoursError.self) { try OpeningHours(parsing: hours) }
    }

    @Test func aClosedCarParkIsClosedWhateverItsCounterSays() throws {
        var carPark = CarPark(
            id: "gare", name: "Gare", type: .underground, latitude: 43.48, longitude: -1.56, capacity: 200,
            hasFee: true,
            sensor: "gare")
        carPark.openingHours = try OpeningHours(parsing: "Mo-Su 06:30-23:30")
        let calculator = AvailabilityCalculator(timeZone: TimeZone(identifier: "Europe/Paris")!)
        // 2026-07-14 is a Tuesday; Paris is UTC+2 in summer.
        let night = Timestamp(rfc3339: "2026-07-14T00:30:00+02:00")!
        let day = Timestamp(rfc3339: "2026-07-14T12:00:00+02:00")!
        let sample = { (time: Timestamp) in Sample(time: time.adding(seconds: -60), value: 50) }
        #expect(calculator.availability(of: carPark, occupied: sample(night), free: nil, now: night).status == .closed)
        #expect(
            calculator.availability(of: carPark, occupied: sample(day), free: nil, now: day).status == .spacesAvailable)
        #expect(calculator.availability(of: carPark, occupied: nil, free: nil, now: night).status == .closed)
        #expect(calculator.availability(of: carPark, occupied: nil, free: nil, now: day).status == .unknown)
    }
}
