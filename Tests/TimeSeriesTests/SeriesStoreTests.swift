import FeedCore
import Foundation
import Storage
import Testing

@testable import TimeSeries

@Suite struct SeriesStoreTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-store-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var path: String { directory.appending(path: "store.sqlite").path }

    func reading(_ sensor: SensorID, _ metric: Metric, _ seconds: Int64, _ value: Double) -> Reading {
        Reading(
            sensor: sensor, metric: metric, time: Timestamp(milliseconds: seconds * 1000), value: value,
            received: Timestamp(milliseconds: seconds * 1000 + 50))
    }

    @Test func appendsOnceAndAnswersFromMemory() throws {
        let store = try SeriesStore(configuration: .init(path: path))
        defer { store.close() }
        let first = try store.append([
            reading("casino", .occupied, 100, 10), reading("casino", .occupied, 160, 12),
            reading("probe", .ecoli, 100, 55),
        ])
        #expect(first.new.count == 3)
        #expect(first.duplicates == 0)
        #expect(try store.storedCount() == 3)

        let again = try store.append([reading("casino", .occupied, 160, 99), reading("casino", .occupied, 220, 14)])
        #expect(again.new.map(\.value) == [14])
        #expect(again.duplicates == 1)

        #expect(store.latest(SeriesKey(sensor: "casino", metric: .occupied))?.value == 14)
        #expect(try store.storedCount() == 4)
        let range = store.samples(
            SeriesKey(sensor: "casino", metric: .occupied), from: Timestamp(milliseconds: 0),
            to: Timestamp(milliseconds: 200_000))
        #expect(range.map(\.value) == [10, 12])
    }

    /// A series with little data holds little: its rollup rings hold only the steps samples fell in, so a
    /// per-space detector heard once costs well under the 4 KiB a series may cost, not its rings' full
    /// capacity; a day of minute readings costs more, and still far less than the rings' capacity.
    @Test func aSeriesWithLittleDataHoldsLittle() throws {
        let store = try SeriesStore(configuration: .init(path: path))
        defer { store.close() }
        let parking = try #require(SeriesLayout.defaults.classes["parking"])
        let fullRings = parking.rollups.reduce(0) { $0 + $1.capacity * RollupRing.bytesPerStep }
        _ = try store.append([reading("space-1", .occupied, 1_000, 1)])
        let one = store.memoryReport.bytes
        #expect(one < 2 * 1_024, "\(one) bytes for one reading")
        #expect(one * 8 < fullRings, "\(one) bytes, the rings in full \(fullRings)")
        _ = try store.append((1...1_440).map { reading("space-1", .occupied, 1_000 + $0 * 60, Double($0 % 2)) })
        let day = store.memoryReport.bytes
        #expect(day > one)
        #expect(day < fullRings, "\(day) bytes for a day, the rings in full \(fullRings)")
    }

    @Test func aRestartRestoresTheSameAnswers() throws {
        var expected: [SeriesKey: [Sample]] = [:]
        do {
            let store = try SeriesStore(configuration: .init(path: path, durability: .normal, ringCapacity: 50))
            var batch: [Reading] = []
            for second in 0..<120 {
                batch.append(reading("a", .occupied, Int64(second), Double(second)))
                batch.append(reading("b", .turbidity, Int64(second * 2), Double(second) / 10))
            }
            _ = try store.append(batch)
            for key in store.keys { expected[key] = store.history(key).samples }
            store.close()
        }
        let reopened = try SeriesStore(configuration: .init(path: path, durability: .normal, ringCapacity: 50))
        defer { reopened.close() }
        #expect(Set(reopened.keys) == Set(expected.keys))
        for (key, samples) in expected {
            let history = reopened.history(key)
            #expect(history.samples == samples)
            #expect(history.truncated, "120 rows in the log, 50 in memory")
        }
        #expect(try reopened.storedCount() == 240)
    }

    /// Raw samples and rollups alike: the same queries answer the same after a restart.
    /// Restored from recent readings only, or (compacted) mostly from chunks.
    @Test(arguments: [false, true])
    func aRestartGivesIdenticalQueryAnswers(compacted: Bool) throws {
        let layout = SeriesLayout.defaults.withRawCapacity(300)
        let day = Timestamp(milliseconds: 1_784_000_000_000)
        var random = SeededGenerator(seed: 11)
        let readings = (0..<2_000).map { index in
            let time = day.adding(seconds: Double(index) * 120 + Double(Int.random(in: 0...30, using: &random)))
            return Reading(
                sensor: "lot", metric: .occupied, time: time, value: Double(Int.random(in: 0...400, using: &random)),
                received: time)
        }
        let key = SeriesKey(sensor: "lot", metric: .occupied)
        let now = readings.last!.time
        func answers(_ store: SeriesStore) throws -> [SeriesAnswer?] {
            try [900, 3_600, 7_200].map { step in
                try store.query(key, from: day.adding(seconds: -3_600), to: now, stepSeconds: Int64(step))
            }
        }
        let before: [SeriesAnswer?]
        let history: [Sample]
        do {
            let store = try SeriesStore(configuration: .init(path: path, durability: .normal, layout: layout), now: now)
            for chunk in stride(from: 0, to: readings.count, by: 100) {
                _ = try store.append(Array(readings[chunk..<chunk + 100]))
            }
            before = try answers(store)
            history = store.history(key).samples
            if compacted { #expect(try store.compact() > 1_800) }
            store.close()
        }
        let reopened = try SeriesStore(configuration: .init(path: path, durability: .normal, layout: layout), now: now)
        defer { reopened.close() }
        #expect(try answers(reopened) == before)
        #expect(reopened.history(key).samples == history)
        #expect(history.count == 300)
    }

    /// Compaction moves complete hours into chunks and changes no answer: the durable samples, the count, the
    /// oldest time, a restart's memory; a repeat of a compacted reading is a duplicate, and a late reading of a
    /// compacted hour is stored and later merged into its chunk.
    @Test func compactionChangesNoAnswerAndKeepsEveryReadingOnce() throws {
        let origin: Int64 = 1_784_000_000  // seconds
        var random = SeededGenerator(seed: 4)
        var readings: [Reading] = []
        for minute in 0..<(10 * 60) {
            for sensor in ["a", "b", "c"] where Int.random(in: 0..<4, using: &random) > 0 {
                let seconds = origin + Int64(minute * 60 + Int.random(in: 0...59, using: &random))
                readings.append(
                    reading(SensorID(sensor), .occupied, seconds, Double.random(in: 0...400, using: &random)))
            }
        }
        // Late readings scattered back in time, and a few readings sent twice.
        readings += (0..<50).map { _ in
            reading("b", .occupied, origin + Int64.random(in: 0...(9 * 3_600), using: &random) * 1 + 7, 1.5)
        }
        readings += readings.prefix(20)
        let keys = ["a", "b", "c"].map { SeriesKey(sensor: SensorID($0), metric: .occupied) }
        let since = Timestamp(milliseconds: (origin - 60) * 1_000)
        func durable(_ store: SeriesStore) throws -> [[Sample]] {
            try keys.map { try store.storedSamples($0, since: since) }
        }

        let store = try SeriesStore(configuration: .init(path: path, durability: .normal))
        var stored = 0
        for batch in stride(from: 0, to: readings.count, by: 97) {
            stored += try store.append(Array(readings[batch..<min(batch + 97, readings.count)])).new.count
        }
        let before = try durable(store)
        let count = try store.storedCount()
        #expect(count == stored)
        let oldest = try keys.map { key in try store.withLog { try $0.oldestTime(key) } }
        let moved = try store.compact()
        #expect(moved > 0 && moved < stored)
        #expect(try store.compact() == 0, "nothing left to compact until newer readings come")
        #expect(try durable(store) == before)
        #expect(try keys.map { key in try store.withLog { try $0.oldestTime(key) } } == oldest)

        // A compacted reading again is a duplicate; a new late one of a compacted hour is stored, then merged.
        let repeated = try store.append([readings[0], readings[1]])
        #expect(repeated.new.isEmpty && repeated.duplicates == 2)
        let late = reading("c", .occupied, origin + 3_600 + 1, 42)
        #expect(try store.append([late]).new.count == 1)
        #expect(try durable(store)[2].contains(Sample(time: late.time, value: 42)), "found before it is merged")
        _ = try store.append([reading("c", .occupied, origin + 13 * 3_600, 1)])  // moves the newest hour on
        #expect(try store.compact() > 0)
        let after = try durable(store)
        #expect(after[2].contains(Sample(time: late.time, value: 42)))
        #expect(after[2].map(\.time) == after[2].map(\.time).sorted())
        #expect(try store.storedCount() == count + 2)
        let history = keys.map { store.history($0).samples }
        store.close()

        let reopened = try SeriesStore(configuration: .init(path: path, durability: .normal))
        defer { reopened.close() }
        #expect(try durable(reopened) == after)
        #expect(keys.map { reopened.history($0).samples } == history)
        #expect(try reopened.storedCount() == count + 2)
        #expect(try reopened.append([late]).duplicates == 1)
    }

    /// Compaction goes a span at a time and stops between spans when told to (a shutdown), the rest left for
    /// the next run.
    @Test func compactionStopsBetweenSpansWhenTold() throws {
        let store = try SeriesStore(configuration: .init(path: path, durability: .normal))
        defer { store.close() }
        // Twelve whole hours of one reading a minute: ten complete spans behind the newest two.
        _ = try store.append((0..<720).map { reading("lot", .occupied, 1_784_001_600 + Int64($0) * 60, Double($0)) })
        var asked = 0
        let first = try store.compact(while: {
            asked += 1
            return asked <= 3
        })
        #expect(first == 3 * 60)
        #expect(try store.compact() == 7 * 60)
        #expect(try store.storedCount() == 720)
    }

    /// A reading too old for the raw series in memory is never lost: it is durable, in the rollups, and counted.
    @Test func aLateReadingIsKeptDurableAndInTheRollups() throws {
        let store = try SeriesStore(
            configuration: .init(path: path, durability: .normal, ringCapacity: 16), now: .init(milliseconds: 0))
        defer { store.close() }
        let base = Timestamp(milliseconds: 1_784_000_000_000)
        let key = SeriesKey(sensor: "lot", metric: .occupied)
        _ = try store.append(
            (0..<2_000).map { index in
                let time = base.adding(seconds: Double(index) * 60)
                return Reading(sensor: "lot", metric: .occupied, time: time, value: 1, received: time)
            })
        let lateTime = base.adding(seconds: 30)
        let result = try store.append([
            Reading(sensor: "lot", metric: .occupied, time: lateTime, value: 99, received: lateTime)
        ])
        #expect(result.new.count == 1)
        #expect(store.memoryReport.late == 1)
        #expect(try store.storedCount() == 2_001)
        #expect(!store.history(key).samples.contains { $0.value == 99 })
        let window = store.aggregate(key, from: base, to: base.adding(seconds: 3_600))
        #expect(window?.max == 99)
    }

    @Test func refusesAFileThatIsNotADatabaseAndLeavesItAlone() throws {
        let contents = Data("this is an operator's notes file, not a database\n".utf8)
        try contents.write(to: URL(fileURLWithPath: path))
        #expect(throws: StoreError.self) { try SeriesStore(configuration: .init(path: path)) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == contents)
    }

    @Test func refusesAnotherApplicationsDatabase() throws {
        do {
            let foreign = try SQLiteDatabase(path: path)
            try foreign.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY); INSERT INTO invoices VALUES (1);")
            foreign.close()
        }
        #expect(throws: StoreError.self) { try SeriesStore(configuration: .init(path: path)) }
        let check = try SQLiteDatabase(path: path)
        let statement = try check.statement("SELECT count(*) FROM invoices")
        #expect(try statement.step())
        #expect(statement.int64(at: 0) == 1)
    }

    @Test func appendingToAClosedStoreThrows() throws {
        let store = try SeriesStore(configuration: .init(path: path))
        store.close()
        #expect(throws: StoreError.self) { try store.append([reading("a", .free, 1, 1)]) }
    }
}
