import FeedCore
import Foundation
import Testing

@testable import TimeSeries

@Suite struct SeriesQueryTests {
    let directory = FileManager.default.temporaryDirectory.appending(path: "cityfeeds-query-\(UUID())")

    func store(rawCapacity: Int) throws -> SeriesStore {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return try SeriesStore(
            configuration: .init(
                path: directory.appending(path: "s.sqlite").path, durability: .normal,
                layout: SeriesLayout.defaults.withRawCapacity(rawCapacity)),
            now: Timestamp(milliseconds: 0))
    }

    func reading(_ seconds: Int64, _ value: Double) -> Reading {
        Reading(
            sensor: "lot", metric: .occupied, time: Timestamp(milliseconds: seconds * 1_000), value: value,
            received: Timestamp(milliseconds: seconds * 1_000))
    }

    let key = SeriesKey(sensor: "lot", metric: .occupied)

    /// Random readings, then every step of a query compared with a naive aggregation of the same readings.
    @Test(arguments: [100_000, 200])
    func stepsAgreeWithANaiveAggregation(rawCapacity: Int) throws {
        let store = try store(rawCapacity: rawCapacity)
        defer { store.close() }
        var random = SeededGenerator(seed: UInt64(rawCapacity))
        var model: [Int64: Double] = [:]
        var batch: [Reading] = []
        for _ in 0..<3_000 {
            let time = Int64.random(in: 0...(3 * 86_400), using: &random)
            let value = Double(Int.random(in: 0...400, using: &random))
            if model[time] == nil { model[time] = value }
            batch.append(reading(time, value))
        }
        _ = try store.append(batch)
        for step: Int64 in [900, 3_600, 7_200] {
            let answer = try #require(
                try store.query(
                    key, from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 3 * 86_400_000),
                    stepSeconds: step))
            // The coarsest ring that answers exactly: a rollup whose step divides the query's.
            #expect(answer.sourceStepSeconds > 0 && step % answer.sourceStepSeconds == 0)
            for point in answer.points {
                let start = point.start.milliseconds / 1_000
                let inStep = model.filter { $0.key >= start && $0.key < start + step }
                #expect(point.aggregate?.count ?? 0 == inStep.count)
                if let aggregate = point.aggregate {
                    #expect(aggregate.min == inStep.values.min())
                    #expect(aggregate.max == inStep.values.max())
                    #expect(aggregate.sum == inStep.values.reduce(0, +))
                    #expect(aggregate.last == inStep.max { $0.key < $1.key }?.value)
                }
            }
        }
        let window = store.aggregate(key, from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 3 * 86_400_000))
        #expect(window?.count == model.count)
        #expect(window?.max == model.values.max())
    }

    @Test func anEmptyStepHoldsThePreviousValueOnlyWithinTheHeartbeat() throws {
        let store = try store(rawCapacity: 1_000)
        defer { store.close() }
        // Parking's heartbeat is 30 minutes: readings at 0 and 3 h, queried in 15-minute steps.
        _ = try store.append([reading(0, 10), reading(3 * 3_600, 20)])
        let answer = try #require(
            try store.query(
                key, from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 3 * 3_600_000), stepSeconds: 900))
        #expect(answer.points.count == 13)
        #expect(answer.points[0].aggregate?.last == 10)
        #expect(answer.points[1].heldValue == 10)  // 15 min after
        #expect(answer.points[2].heldValue == 10)  // 30 min after: still within the heartbeat
        #expect(answer.points[3].heldValue == nil)  // 45 min: unknown, not interpolated
        #expect(answer.points[3].aggregate == nil)
        #expect(answer.points[12].aggregate?.last == 20)
    }

    @Test func refusesEmptyRangesAndHugeQueries() throws {
        let store = try store(rawCapacity: 100)
        defer { store.close() }
        _ = try store.append([reading(0, 1)])
        #expect(throws: SeriesQueryError.emptyRange) {
            try store.query(key, from: Timestamp(milliseconds: 10), to: Timestamp(milliseconds: 0), stepSeconds: 60)
        }
        #expect(throws: SeriesQueryError.self) {
            try store.query(
                key, from: Timestamp(milliseconds: 0), to: Timestamp(milliseconds: 86_400_000 * 365), stepSeconds: 60)
        }
        #expect(
            try store.query(
                SeriesKey(sensor: "other", metric: .free), from: Timestamp(milliseconds: 0),
                to: Timestamp(milliseconds: 10), stepSeconds: 60) == nil)
    }
}
