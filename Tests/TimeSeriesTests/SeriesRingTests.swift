import FeedCore
import Testing

@testable import TimeSeries

@Suite struct SeriesRingTests {
    func sample(_ seconds: Int64, _ value: Double = 0) -> Sample {
        Sample(time: Timestamp(milliseconds: seconds * 1000), value: value)
    }

    @Test func keepsTheNewestSamplesInTimeOrder() {
        var ring = SeriesRing(capacity: 3)
        for second in 1...5 { ring.insert(sample(Int64(second), Double(second))) }
        #expect(ring.all.map(\.value) == [3, 4, 5])
        #expect(ring.isTruncated)
        #expect(ring.last?.value == 5)
    }

    @Test func placesOutOfOrderSamplesAndIgnoresDuplicates() {
        var ring = SeriesRing(capacity: 10)
        for second: Int64 in [10, 30, 20, 40, 20, 5] { ring.insert(sample(second, Double(second))) }
        #expect(ring.all.map(\.time.milliseconds) == [5_000, 10_000, 20_000, 30_000, 40_000])
        #expect(!ring.isTruncated)
    }

    @Test func aSampleOlderThanAFullRingIsNotKept() {
        var ring = SeriesRing(capacity: 2)
        ring.insert(sample(10))
        ring.insert(sample(20))
        let kept = ring.insert(sample(5))
        #expect(!kept)
        #expect(ring.all.map(\.time.milliseconds) == [10_000, 20_000])
    }

    @Test func rangeQueriesAreInclusive() {
        var ring = SeriesRing(capacity: 100)
        for second in 0..<50 { ring.insert(sample(Int64(second))) }
        let range = ring.samples(from: Timestamp(milliseconds: 10_000), to: Timestamp(milliseconds: 12_000))
        #expect(range.map(\.time.milliseconds) == [10_000, 11_000, 12_000])
    }

    /// Random inserts compared against a sorted, de-duplicated reference.
    @Test func agreesWithANaiveModel() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            let capacity = Int.random(in: 1...40, using: &generator)
            var ring = SeriesRing(capacity: capacity)
            var reference: [Int64: Double] = [:]
            var dropped = false
            for step in 0..<200 {
                let time = Int64.random(in: 0...300, using: &generator)
                let keptBefore = ring.all
                let inserted = ring.insert(sample(time, Double(step)))
                let isDuplicate = keptBefore.contains { $0.time.milliseconds == time * 1000 }
                if isDuplicate { #expect(!inserted) }
                if reference[time] == nil { reference[time] = Double(step) }
                if ring.count == capacity { dropped = dropped || !inserted || keptBefore.count == capacity }
            }
            // The ring holds exactly the newest `capacity` distinct times it accepted, each with its first value.
            let all = ring.all
            #expect(all.map(\.time) == all.map(\.time).sorted())
            #expect(Set(all.map(\.time)).count == all.count)
            for kept in all where !ring.isTruncated {
                #expect(reference[kept.time.milliseconds / 1000] == kept.value)
            }
            if !ring.isTruncated {
                #expect(all.count == reference.count)
            }
        }
    }
}
