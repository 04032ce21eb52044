import FeedCore
import Foundation
import Storage
import Testing

@testable import TimeSeries

@Suite struct RetentionAndMigrationTests {
    let path: String

    init() throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-retention-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appending(path: "store.sqlite").path
    }

    func reading(_ sensor: SensorID, _ metric: Metric, day: Double, _ value: Double = 1) -> Reading {
        let time = Timestamp(milliseconds: 0).adding(seconds: day * 86_400)
        return Reading(sensor: sensor, metric: metric, time: time, value: value, received: time)
    }

    @Test func aVersion1StoreIsMigratedAndKeepsItsReadings() throws {
        do {
            // A store as the first release wrote it.
            let database = try SQLiteDatabase(path: path)
            try database.execute(ReadingLog.migrations[0])
            try database.execute(
                """
                INSERT INTO series (id, sensor, metric) VALUES (1, 'lot', 'occupied');
                INSERT INTO readings VALUES (1, 1000, 12, 1000), (1, 2000, 13, 2000);
                PRAGMA application_id = \(ReadingLog.applicationID);
                PRAGMA user_version = 1;
                """)
            database.close()
        }
        let store = try SeriesStore(configuration: .init(path: path))
        #expect(try store.storedCount() == 2)
        #expect(store.latest(SeriesKey(sensor: "lot", metric: .occupied))?.value == 13)
        store.close()
        let check = try SQLiteDatabase(path: path)
        #expect(try check.pragmaInteger("user_version") == ReadingLog.schemaVersion)
        let table = try check.statement(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('maintenance', 'recent', 'chunks', 'readings')")
        #expect(try table.step())
        #expect(table.int64(at: 0) == 3)
        table.reset()
        let clustered = try check.statement("SELECT sql FROM sqlite_master WHERE name = 'recent'")
        #expect(try clustered.step())
        #expect(clustered.string(at: 0).contains("PRIMARY KEY (t, series)"))
        #expect(clustered.string(at: 0).contains("WITHOUT ROWID"))
        clustered.reset()
        check.close()
    }

    @Test func aStoreFromANewerReleaseIsRefused() throws {
        do {
            let database = try SQLiteDatabase(path: path)
            try database.execute(
                "CREATE TABLE x (a); PRAGMA application_id = \(ReadingLog.applicationID); PRAGMA user_version = 99;")
            database.close()
        }
        #expect {
            try SeriesStore(configuration: .init(path: path))
        } throws: { error in
            "\(error)".contains("newer than this daemon understands")
        }
    }

    /// Whether the readings were compacted into chunks before retention runs, or are still recent rows.
    @Test(arguments: [false, true])
    func oldRowsGoByAgePerClass(compacted: Bool) throws {
        let store = try SeriesStore(configuration: .init(path: path, durability: .normal))
        defer { store.close() }
        var readings: [Reading] = []
        for day in 0..<100 {
            readings.append(reading("lot", .occupied, day: Double(day)))
            readings.append(reading("probe", .ecoli, day: Double(day)))
        }
        _ = try store.append(readings)
        if compacted { #expect(try store.compact() == 198) }
        // Counted now, the row count is then kept up to date by the deletions below, not counted again.
        #expect(try store.storedCount() == 200)
        let policy = RetentionPolicy(maxAgeSeconds: ["parking": 30 * 86_400, "water": 60 * 86_400], maxBytes: 1 << 40)
        let report = try store.enforceRetention(
            policy, now: Timestamp(milliseconds: 0).adding(seconds: 99.5 * 86_400), batch: 7)
        // Parking keeps days 70…99 (30 rows), water days 40…99 (60 rows).
        #expect(report.deletedByAge == 70 + 40)
        #expect(try store.storedCount() == 90)
    }

    @Test(arguments: [false, true])
    func theOldestRowsGoWhenTheStoreIsTooLarge(compacted: Bool) throws {
        let store = try SeriesStore(configuration: .init(path: path, durability: .normal))
        defer { store.close() }
        var readings: [Reading] = []
        for minute in 0..<(20 * 1_440) {
            readings.append(reading("lot", .occupied, day: Double(minute) / 1_440, Double(minute % 400)))
        }
        for chunk in stride(from: 0, to: readings.count, by: 5_000) {
            _ = try store.append(Array(readings[chunk..<min(chunk + 5_000, readings.count)]))
        }
        if compacted { try store.compact() }
        let before = try store.enforceRetention(.init(maxAgeSeconds: [:], maxBytes: 1 << 40), now: .now)
        #expect(before.deletedForSize == 0)
        let limit = before.usedBytes / 2
        let report = try store.enforceRetention(.init(maxAgeSeconds: [:], maxBytes: limit), now: .now)
        #expect(report.deletedForSize > 0)
        #expect(report.usedBytes <= limit)
        // What is left is the newest: the oldest remaining row is younger than the oldest deleted.
        let remaining = try store.withLog { try $0.oldestTime(SeriesKey(sensor: "lot", metric: .occupied)) }
        #expect(remaining! > Timestamp(milliseconds: 0).adding(seconds: 86_400))
    }
}
