import FeedCore
import Foundation
import TestSupport
import Testing

@testable import TimeSeries

/// Real public data replayed through the store: counts, extremes and the bytes each sample costs in memory.
/// Each test reads the repository's excerpt, and the whole data set too when it is beside the repository.
@Suite struct RealDataReplayTests {
    static func lines(_ file: RealDataFile) throws -> [[Substring]] {
        try file.rows().map { $0.split(separator: ",", omittingEmptySubsequences: false) }
    }

    func makeStore(_ name: String) throws -> SeriesStore {
        let directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-replay-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SeriesStore(
            configuration: .init(
                path: directory.appending(path: "\(name).sqlite").path, durability: .normal,
                layout: SeriesLayout.defaults.withRawCapacity(20_000)))
    }

    /// Bytes the raw series hold per sample, blocks and bookkeeping included.
    func bytesPerSample(_ store: SeriesStore, _ keys: [SeriesKey]) -> Double {
        var bytes = 0
        var samples = 0
        for key in keys {
            _ = store.withSeries(key) { series -> Int in
                bytes += series.raw.byteCount
                samples += series.raw.count
                return 0
            }
        }
        return Double(bytes) / Double(samples)
    }

    /// "2014-05-22 09:09:04.145", local time taken as UTC: only order and spacing matter here.
    static func parseTime(_ text: Substring) -> Timestamp? {
        let digits = text.utf8.compactMap { ("0"..."9").contains(Character(UnicodeScalar($0))) ? Int64($0 - 48) : nil }
        guard digits.count >= 14 else { return nil }
        func number(_ range: Range<Int>) -> Int64 { range.reduce(0) { $0 * 10 + digits[$1] } }
        var milliseconds =
            civilSeconds(
                year: number(0..<4), month: number(4..<6), day: number(6..<8), hour: number(8..<10),
                minute: number(10..<12), second: number(12..<14)) * 1_000
        if digits.count >= 17 { milliseconds += number(14..<17) }
        return Timestamp(milliseconds: milliseconds)
    }

    /// Seconds since 1970 of a UTC civil time (Howard Hinnant's days-from-civil).
    static func civilSeconds(year: Int64, month: Int64, day: Int64, hour: Int64, minute: Int64, second: Int64) -> Int64
    {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return ((days * 24 + hour) * 60 + minute) * 60 + second
    }

    @Test(arguments: RealDataFile.available("parking/aarhus_parking.csv"))
    func aarhusParking(file: RealDataFile) throws {
        let store = try makeStore("aarhus")
        defer { store.close() }
        var expected: [String: [Int64: Double]] = [:]  // garage → second → first count seen
        var readings: [Reading] = []
        for fields in try Self.lines(file) where fields.count >= 6 {
            guard let count = Double(fields[1]), let time = Self.parseTime(fields[2]) else { continue }
            let garage = fields[5].lowercased()
            if expected[garage, default: [:]][time.milliseconds / 1_000] == nil {
                expected[garage, default: [:]][time.milliseconds / 1_000] = count
            }
            readings.append(
                Reading(sensor: SensorID(garage), metric: .occupied, time: time, value: count, received: time))
        }
        #expect(readings.count > (file.isExcerpt ? 2_500 : 50_000))
        for chunk in stride(from: 0, to: readings.count, by: 1_000) {
            _ = try store.append(Array(readings[chunk..<min(chunk + 1_000, readings.count)]))
        }
        #expect(expected.count == 8)
        for (garage, counts) in expected {
            let key = SeriesKey(sensor: SensorID(garage), metric: .occupied)
            let history = store.history(key).samples
            #expect(history.count == counts.count, "\(garage)")
            #expect(history.map(\.value).max() == counts.values.max(), "\(garage)")
            #expect(history.map(\.value).min() == counts.values.min(), "\(garage)")
        }
        // SKOLEBAKKEN's counter is stuck: its value changes in fewer than 1 % of the readings.
        let stuck = store.history(SeriesKey(sensor: "skolebakken", metric: .occupied)).samples.map(\.value)
        #expect(Double(zip(stuck, stuck.dropFirst()).filter { $0 != $1 }.count) / Double(stuck.count) < 0.01)

        let keys = expected.keys.map { SeriesKey(sensor: SensorID($0), metric: .occupied) }
        let cost = bytesPerSample(store, keys)
        print("Aarhus parking (\(file)): \(String(format: "%.2f", cost)) bytes per sample in memory")
        #expect(cost <= 2)
    }

    @Test(arguments: RealDataFile.available("beach/chicago_beach_sensors_2013_2016.csv"))
    func chicagoBeachProbes(file: RealDataFile) throws {
        let store = try makeStore("chicago")
        defer { store.close() }
        var expected: [SeriesKey: [Int64: Double]] = [:]
        var readings: [Reading] = []
        for fields in try Self.lines(file) where fields.count >= 4 {
            // "08/30/2013 08:00:00 AM"
            guard let time = Self.chicagoTime(fields[1]) else { continue }
            let beach = fields[0].lowercased().replacingOccurrences(of: " ", with: "-")
            for (column, metric) in [(2, Metric.temperature), (3, Metric.turbidity)] {
                guard let value = Double(fields[column]) else { continue }
                let key = SeriesKey(sensor: SensorID(beach), metric: metric)
                let rounded = (value * 100).rounded() / 100
                if expected[key, default: [:]][time.milliseconds / 1_000] == nil {
                    expected[key, default: [:]][time.milliseconds / 1_000] = rounded
                }
                readings.append(Reading(sensor: key.sensor, metric: metric, time: time, value: value, received: time))
            }
        }
        #expect(readings.count > (file.isExcerpt ? 1_500 : 40_000))
        // The export is not in time order; the probes sent it in order. (Out-of-order placement has its own
        // model test; here each out-of-order row would re-encode a block, slow in a debug build.)
        readings.sort { $0.time < $1.time }
        for chunk in stride(from: 0, to: readings.count, by: 1_000) {
            _ = try store.append(Array(readings[chunk..<min(chunk + 1_000, readings.count)]))
        }
        for (key, values) in expected {
            let history = store.history(key).samples
            #expect(history.count == values.count, "\(key)")
            #expect(history.map(\.value).max() == values.values.max(), "\(key)")
        }
        let cost = bytesPerSample(store, Array(expected.keys))
        print("Chicago probes (\(file)): \(String(format: "%.2f", cost)) bytes per sample in memory")
        // A week holds some 140 samples per series, so each series' partly filled last block weighs on the
        // average; over the whole data set it fades.
        #expect(cost <= (file.isExcerpt ? 3.5 : 2))
    }

    /// "08/30/2013 08:00:00 AM".
    static func chicagoTime(_ text: Substring) -> Timestamp? {
        let parts = text.split(separator: " ")
        guard parts.count == 3 else { return nil }
        let date = parts[0].split(separator: "/").compactMap { Int64($0) }
        let clock = parts[1].split(separator: ":").compactMap { Int64($0) }
        guard date.count == 3, clock.count == 3 else { return nil }
        let hour = clock[0] % 12 + (parts[2] == "PM" ? 12 : 0)
        let seconds = civilSeconds(
            year: date[2], month: date[0], day: date[1], hour: hour, minute: clock[1], second: clock[2])
        return Timestamp(milliseconds: seconds * 1_000)
    }
}
