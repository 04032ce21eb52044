import Alerts
import FeedCore
import Foundation
import Logging
import Parking
import TestSupport
import Testing
import TimeSeries

@testable import CityAPI
@testable import CityCore
@testable import CityFeedsd

/// A car park's forecast is a function of the stored data and a five-minute bucket: requests a few seconds
/// apart with no new data in between get the same figures, and say what they rest on.
@Suite struct ForecastStabilityTests {
    @Test func repeatedRequestsWithinABucketGetTheSameForecast() throws {
        let directory = try makeTemporaryDirectory(prefix: "cityfeeds-forecast")
        let configuration = try DaemonConfiguration.parse(
            """
            [city]
            name = "Test"
            timezone = "UTC"
            [[car_parks]]
            id = "halles"
            name = "Les Halles"
            latitude = 43.48
            longitude = -1.56
            capacity = 400
            has_fee = true
            """, file: "forecast.toml",
            overrides: .init(broker: "mqtt://127.0.0.1:1", httpListen: "127.0.0.1:0", dataDirectory: directory.path))
        let store = try configuration.openStore()
        defer { store.close() }
        let alerts = try configuration.openAlerts(logger: Logger(label: "test"))
        defer { alerts.close() }
        // Eight days of a car park filling by day and emptying by night, a count every 2 minutes: the window
        // of the previous days' figures moves with the exact request time, so only a bucket keeps it still.
        let bucket = Timestamp(milliseconds: 1_781_000_100_000)  // a bucket's start (a multiple of 300 s)
        let end = bucket.adding(seconds: 30)
        var readings: [Reading] = []
        var time = end.adding(seconds: -8 * 86_400)
        var generator = SeededGenerator(seed: 7)
        while time <= end {
            let hour = Double(time.milliseconds / 1_000 % 86_400) / 3_600
            let occupied = 200 + 150 * sin((hour - 8) / 24 * 2 * .pi) + Double.random(in: -20...20, using: &generator)
            readings.append(
                Reading(sensor: "halles", metric: .occupied, time: time, value: occupied.rounded(), received: time))
            time = time.adding(seconds: 120)
        }
        _ = try store.append(readings)
        let status = CityStatus(configuration: configuration, store: store, alerts: alerts)
        let carPark = try #require(configuration.carParks.first)
        let first = status.carPark(carPark, now: end.adding(seconds: 1))
        #expect(first.outlook.forecastBasis == "previous_days")
        #expect(first.outlook.forecastDays == 7)
        #expect(first.outlook.forecast30 != nil && first.outlook.forecast60 != nil)
        for seconds in stride(from: 5.0, to: 268, by: 23) {
            let again = status.carPark(carPark, now: end.adding(seconds: seconds))
            #expect(again.outlook.forecast30 == first.outlook.forecast30, "\(seconds) s later")
            #expect(again.outlook.forecast60 == first.outlook.forecast60, "\(seconds) s later")
            #expect(again.outlook.trend == first.outlook.trend)
        }
        // The feed reports every 2 minutes: the configured 30 minutes stands.
        #expect(first.availability.staleAfterSeconds == 1_800)
    }
}
