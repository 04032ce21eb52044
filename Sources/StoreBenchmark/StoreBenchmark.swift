import FeedCore
import Foundation
import Storage
import TimeSeries

/// `cityfeeds-bench-store`: the TimeSeries figures of issue #4, each beside a reference measured in the same
/// run (this machine is noisy). Run through benchmarks/store.sh (release build).
@main
struct StoreBenchmark {
    static func main() throws {
        let arguments = CommandLine.arguments
        if let index = arguments.firstIndex(of: "--append-only"), let count = Int(arguments[index + 1]) {
            // For benchmarks/store.sh's allocation count under valgrind: append `count` readings, nothing else.
            try appendOnly(count: count)
            return
        }
        let restoreCount = arguments.firstIndex(of: "--restore").flatMap { Int(arguments[$0 + 1]) } ?? 10_000_000
        let directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-bench-store-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        try appendCost(directory)
        try queryLatency(directory)
        try restoreTime(directory, readings: restoreCount)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    static func readings(series: Int, perSeries: Int, start: Timestamp, intervalSeconds: Double) -> [Reading] {
        var random = SeededGenerator(seed: 42)
        var result: [Reading] = []
        result.reserveCapacity(series * perSeries)
        var occupancy = [Double](repeating: 200, count: series)
        for index in 0..<perSeries {
            let time = start.adding(seconds: Double(index) * intervalSeconds)
            for s in 0..<series {
                occupancy[s] = min(400, max(0, occupancy[s] + Double(Int.random(in: -6...6, using: &random))))
                result.append(
                    Reading(
                        sensor: SensorID("lot-\(s)"), metric: .occupied, time: time, value: occupancy[s], received: time
                    ))
            }
        }
        return result
    }

    /// Appending to the store (SQLite commit + compressed memory + rollups), against inserting the same rows
    /// into a plain SQLite table with a prepared statement in one transaction per batch.
    static func appendCost(_ directory: URL) throws {
        let data = readings(
            series: 100, perSeries: 3_000, start: .now.adding(seconds: -3_000 * 60), intervalSeconds: 60)
        let store = try SeriesStore(
            configuration: .init(path: directory.appending(path: "append.sqlite").path, durability: .normal))
        let storeSeconds = try seconds {
            for chunk in stride(from: 0, to: data.count, by: 1_000) {
                _ = try store.append(Array(data[chunk..<chunk + 1_000]))
            }
        }
        let memory = store.memoryReport
        store.close()

        let plain = try SQLiteDatabase(path: directory.appending(path: "plain.sqlite").path)
        try plain.execute(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; CREATE TABLE r (s TEXT, m TEXT, t INTEGER, v REAL, rt INTEGER)"
        )
        let plainSeconds = try seconds {
            for chunk in stride(from: 0, to: data.count, by: 1_000) {
                try plain.transaction {
                    let insert = try plain.statement("INSERT INTO r VALUES (?, ?, ?, ?, ?)")
                    for reading in data[chunk..<chunk + 1_000] {
                        try insert.bind(reading.sensor.rawValue, at: 1)
                        try insert.bind(reading.metric.rawValue, at: 2)
                        try insert.bind(reading.time.milliseconds, at: 3)
                        try insert.bind(reading.value, at: 4)
                        try insert.bind(reading.received.milliseconds, at: 5)
                        try insert.step()
                        insert.reset()
                    }
                }
            }
        }
        plain.close()
        let count = Double(data.count)
        print("append: \(data.count) readings, 100 series, batches of 1,000 (synchronous=NORMAL)")
        print(
            String(
                format: "  SeriesStore.append      %8.0f ns/reading  %9.0f readings/s", storeSeconds / count * 1e9,
                count / storeSeconds))
        print(
            String(
                format: "  plain SQLite insert     %8.0f ns/reading  %9.0f readings/s  (reference)",
                plainSeconds / count * 1e9, count / plainSeconds))
        print(String(format: "  ratio store/reference   %8.2f", plainSeconds / storeSeconds))
        print(
            String(
                format:
                    "  memory: %d series, %d raw samples, %.2f MiB in all (rollups included), %.2f bytes/raw sample incl. rollups",
                memory.series, memory.samples, Double(memory.bytes) / 1_048_576,
                Double(memory.bytes) / Double(memory.samples)))
    }

    static func appendOnly(count: Int) throws {
        let directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-bench-alloc-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = readings(
            series: 10, perSeries: count / 10, start: .now.adding(seconds: -Double(count)), intervalSeconds: 60)
        let store = try SeriesStore(
            configuration: .init(path: directory.appending(path: "a.sqlite").path, durability: .normal))
        for chunk in stride(from: 0, to: data.count, by: 1_000) {
            _ = try store.append(Array(data[chunk..<min(chunk + 1_000, data.count)]))
        }
        store.close()
    }

    /// A day of a busy series in 15-minute steps, against bucketing a sorted array of the same samples.
    static func queryLatency(_ directory: URL) throws {
        let data = readings(series: 1, perSeries: 2_880, start: .now.adding(seconds: -2_880 * 60), intervalSeconds: 60)
        let store = try SeriesStore(
            configuration: .init(path: directory.appending(path: "query.sqlite").path, durability: .normal))
        defer { store.close() }
        _ = try store.append(data)
        let key = data[0].seriesKey
        let from = data[0].time
        let to = data.last!.time
        let rounds = 2_000
        var points = 0
        let storeSeconds = try seconds {
            for _ in 0..<rounds {
                points += try store.query(key, from: from, to: to, stepSeconds: 900)?.points.count ?? 0
            }
        }
        let rawSeconds = seconds {
            for _ in 0..<rounds {
                points += store.samples(key, from: from, to: to).count
            }
        }
        let array = data.map { Sample(time: $0.time, value: $0.value) }
        let referenceSeconds = seconds {
            for _ in 0..<rounds {
                var buckets: [Int64: (Int, Double)] = [:]
                for sample in array where sample.time >= from && sample.time <= to {
                    buckets[sample.time.milliseconds / 900_000, default: (0, 0)].0 += 1
                    buckets[sample.time.milliseconds / 900_000, default: (0, 0)].1 += sample.value
                }
                points += buckets.count
            }
        }
        print("range query: one day of minute readings (2,880 samples), \(rounds) rounds")
        print(String(format: "  query at 15 min step    %8.1f µs/query", storeSeconds / Double(rounds) * 1e6))
        print(String(format: "  raw samples (decode)    %8.1f µs/query", rawSeconds / Double(rounds) * 1e6))
        print(
            String(
                format: "  array bucketing         %8.1f µs/query  (reference)", referenceSeconds / Double(rounds) * 1e6
            ))
        print("  (\(points) points in all)")
    }

    /// Opening a store that holds `readings` rows: the newest raw samples of each series and its rollups are
    /// rebuilt from SQLite. Reference: `SELECT`s that read every row (chunks and recent readings) of the same file.
    static func restoreTime(_ directory: URL, readings total: Int) throws {
        let path = directory.appending(path: "restore.sqlite").path
        let series = 1_000
        let perSeries = total / series
        let start = Timestamp.now.adding(seconds: -Double(perSeries) * 60)
        var random = SeededGenerator(seed: 9)
        var spanTransactions: [Double] = []
        var compacted = 0
        let fillSeconds = try seconds {
            let store = try SeriesStore(configuration: .init(path: path, durability: .normal))
            var batch: [Reading] = []
            batch.reserveCapacity(10_000)
            for index in 0..<perSeries {
                let time = start.adding(seconds: Double(index) * 60)
                for s in 0..<series {
                    batch.append(
                        Reading(
                            sensor: SensorID("lot-\(s)"), metric: .occupied, time: time,
                            value: Double(Int.random(in: 0...400, using: &random)), received: time))
                }
                if batch.count >= 10_000 {
                    _ = try store.append(batch)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { _ = try store.append(batch) }
            // What the daemon's compaction does in the background as the spans complete, a span per
            // transaction, each timed (asked before each transaction: the time since the previous question is
            // the previous transaction's).
            var last: ContinuousClock.Instant?
            compacted = try store.compact {
                let now = ContinuousClock.now
                if let last {
                    let elapsed = (now - last).components
                    spanTransactions.append(Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18)
                }
                last = now
                return true
            }
            store.close()
        }
        var restored: SeriesStore?
        let restoreSeconds = try seconds {
            restored = try SeriesStore(configuration: .init(path: path, durability: .normal))
        }
        let memory = restored!.memoryReport
        restored!.close()
        let scan = try SQLiteDatabase(path: path)
        var rows = 0
        let scanSeconds = try seconds {
            for table in ["SELECT series, span, body FROM chunks", "SELECT series, t, value FROM recent"] {
                let all = try scan.statement(table)
                while try all.step() { rows += 1 }
                all.reset()
            }
        }
        scan.close()
        print(
            "restore: \(series) series × \(perSeries) readings = \(series * perSeries) readings (filled in \(String(format: "%.1f", fillSeconds)) s)"
        )
        print(
            String(
                format: "  SeriesStore open        %8.2f s  (%d series, %d raw samples, %.1f MiB in memory)",
                restoreSeconds, memory.series, memory.samples, Double(memory.bytes) / 1_048_576))
        print(
            String(
                format: "  SQLite full scan        %8.2f s  (%d chunk and recent rows; reference)", scanSeconds, rows))
        print(String(format: "  ratio scan/open         %8.2f", scanSeconds / restoreSeconds))
        let sorted = spanTransactions.sorted()
        print("compaction: \(compacted) readings, a span (hour, \(series * 60) readings) per transaction")
        print(
            String(
                format: "  transaction             %8.1f ms  median, %.1f ms longest (%.2f µs a reading)",
                sorted.isEmpty ? 0 : sorted[sorted.count / 2] * 1e3, (sorted.last ?? 0) * 1e3,
                sorted.isEmpty ? 0 : sorted[sorted.count / 2] / Double(series * 60) * 1e6))
    }
}
