import FeedCore
import Testing

@testable import TimeSeries

@Suite struct SampleBlockTests {
    static let regular: [EncodedSample] = (0..<500).map {
        EncodedSample(time: 1_400_000_000 + Int64($0) * 1_800, value: Int64($0 % 17))
    }
    static let wide: [EncodedSample] = (0..<300).map { (index: Int) -> EncodedSample in
        EncodedSample(time: Int64(index * index), value: Int64.max / 2 - Int64(index) * 1_000_003)
    }
    static let extremes: [EncodedSample] = [
        EncodedSample(time: -5, value: .min), EncodedSample(time: 3, value: .max), EncodedSample(time: 4, value: 0),
    ]

    static let cases: [String: [EncodedSample]] = [
        "single": [EncodedSample(time: 0, value: 0)], "regular": regular, "wide": wide, "extremes": extremes,
    ]

    // Named cases, so that the test log does not print hundreds of samples.
    @Test(arguments: ["single", "regular", "wide", "extremes"])
    func roundTrips(name: String) {
        let samples = Self.cases[name]!
        let block = SampleBlock(samples)
        #expect(block.decode() == samples)
        #expect(block.count == samples.count)
    }

    @Test func regularUnchangedSamplesCostAboutTwoBits() {
        let samples = (0..<1_000).map { EncodedSample(time: Int64($0) * 60, value: 22) }
        let block = SampleBlock(samples)
        // Two bits a sample, plus the block's fixed fields.
        #expect(block.byteCount < 1_000 * 2 / 8 + 100)
    }

    @Test func randomSeriesRoundTrip() {
        var random = SeededGenerator(seed: 7)
        for _ in 0..<200 {
            var time: Int64 = Int64.random(in: 0...2_000_000_000, using: &random)
            let samples = (0..<Int.random(in: 1...300, using: &random)).map { _ -> EncodedSample in
                time += Int64.random(in: 1...(Bool.random(using: &random) ? 100 : 10_000_000), using: &random)
                return EncodedSample(time: time, value: Int64.random(in: -1_000_000...1_000_000, using: &random))
            }
            #expect(SampleBlock(samples).decode() == samples)
        }
    }
}

@Suite struct CompressedSeriesTests {
    /// Random appends (mostly in order, some out of order, some repeated) against a naive model: a sorted
    /// dictionary that keeps the first value per time and forgets what falls before the window.
    @Test(arguments: [1, 10, 100, 700])
    func agreesWithANaiveModel(capacity: Int) {
        var random = SeededGenerator(seed: UInt64(capacity))
        for _ in 0..<20 {
            var series = CompressedSeries(capacity: capacity, blockSize: 8)
            var model: [Int64: Int64] = [:]
            var newest: Int64 = 0
            for _ in 0..<2_000 {
                let roll = Int.random(in: 0..<10, using: &random)
                let time: Int64 =
                    roll < 7
                    ? newest + Int64.random(in: 1...90, using: &random)  // in order
                    : roll < 9
                        ? max(0, newest - Int64.random(in: 0...400, using: &random))  // late or repeated
                        : Int64.random(in: 0...max(newest, 1), using: &random)  // anywhere
                newest = max(newest, time)
                let sample = EncodedSample(time: time, value: Int64.random(in: -50...50, using: &random))
                let oldest = series.first?.time
                let result = series.insert(sample)
                switch result {
                case .duplicate:
                    #expect(model[time] != nil)
                case .beforeWindow:
                    // Too old to place: the model, which keeps only what is shown, would not show it either.
                    #expect(series.isTruncated)
                    #expect(time < oldest!)
                    continue
                case .inserted:
                    #expect(model[time] == nil)
                    model[time] = sample.value
                }
            }
            // What the series shows is exactly the model's newest `capacity` entries.
            let expected = Array(model.keys.sorted().suffix(capacity))
            let all = series.all()
            #expect(all.map(\.time) == expected)
            #expect(all.map(\.value) == expected.map { model[$0]! })
            #expect(series.isTruncated == (model.count > capacity))
            let from = Int64.random(in: 0...newest, using: &random)
            let to = from + Int64.random(in: 0...5_000, using: &random)
            #expect(series.samples(from: from, to: to) == all.filter { $0.time >= from && $0.time <= to })
        }
    }

    @Test func keepsAtLeastItsCapacityAndDropsWholeBlocks() {
        var series = CompressedSeries(capacity: 100, blockSize: 16)
        for time in 0..<1_000 { series.insert(EncodedSample(time: Int64(time), value: 1)) }
        #expect(series.count >= 100)
        #expect(series.count <= 100 + 2 * 16)
        #expect(series.isTruncated)
        #expect(series.last?.time == 999)
        let result = series.insert(EncodedSample(time: 0, value: 5))
        #expect(result == .beforeWindow)
    }
}

@Suite struct RollupRingTests {
    @Test func consolidatesMinMaxSumCountAndLast() {
        var ring = RollupRing(step: 60, capacity: 10)
        for (time, value) in [(0, 5.0), (30, 1.0), (59, 3.0), (10, 9.0), (60, 2.0)] {
            let added = ring.add(value, time: Int64(time))
            #expect(added)
        }
        let steps = ring.steps(from: 0, to: 600)
        #expect(steps.map(\.start) == [0, 60])
        let first = steps[0].aggregate
        #expect((first.count, first.min, first.max, first.sum, first.last) == (4, 1, 9, 18, 3))
        #expect(steps[1].aggregate.count == 1)
    }

    /// Steps held only where samples fell, in any order, against a plain model: a dictionary of the window's
    /// steps. Times mostly move forward with some late ones, so the buffer wraps, grows and takes insertions
    /// in its middle; it never holds more than the capacity.
    @Test func holdsTheSameStepsAsAPlainModelWhateverTheOrder() {
        var generator = SeededGenerator(seed: 16)
        var ring = RollupRing(step: 10, capacity: 50)
        var model: [Int64: (count: Int, sum: Double, last: Double, lastTime: Int64)] = [:]
        var newest = Int64.min
        var time: Int64 = 0
        for _ in 0..<5_000 {
            time += Int64.random(in: 0...25, using: &generator)
            let sampleTime = Bool.random(using: &generator) ? time : time - Int64.random(in: 0...600, using: &generator)
            let value = Double(Int.random(in: 0...100, using: &generator))
            let start = sampleTime / 10 * 10
            let oldest = newest == .min ? Int64.min : max(newest, start) - 10 * 49
            let accepted = ring.add(value, time: sampleTime)
            #expect(accepted == (start >= oldest))
            guard accepted else { continue }
            newest = max(newest, start)
            var step = model[start] ?? (0, 0, value, sampleTime)
            step.count += 1
            step.sum += value
            if sampleTime >= step.lastTime { (step.last, step.lastTime) = (value, sampleTime) }
            model[start] = step
            model = model.filter { $0.key >= newest - 10 * 49 }
        }
        let held = ring.steps(from: .min / 2, to: .max / 2)
        #expect(held.map(\.start) == model.keys.sorted())
        for (start, aggregate) in held {
            #expect(aggregate.count == model[start]?.count && aggregate.sum == model[start]?.sum)
            #expect(aggregate.last == model[start]?.last)
        }
        #expect(ring.count <= 50)
        #expect(ring.byteCount <= RollupRing.maximumBytes(capacity: 50))
    }

    @Test func forgetsStepsOlderThanItsCapacity() {
        var ring = RollupRing(step: 10, capacity: 3)
        for time in stride(from: 0, through: 100, by: 10) { ring.add(1, time: Int64(time)) }
        #expect(ring.steps(from: 0, to: 100).map(\.start) == [80, 90, 100])
        let tooOld = ring.add(1, time: 75)
        let inRange = ring.add(1, time: 85)
        #expect(!tooOld)
        #expect(inRange)
    }
}

/// The compacted chunks' encoding: lossless for any times and values, compact for regular ones, and a damaged
/// chunk is refused rather than read wrong or crashed on.
@Suite struct ChunkCodecTests {
    @Test func anyTimesAndValuesComeBackExactly() {
        var generator = SeededGenerator(seed: 21)
        for round in 0..<300 {
            var time = Int64.random(in: -1 << 45...1 << 45, using: &generator)
            let samples = (0..<Int.random(in: 0...200, using: &generator)).map { _ -> StoredSample in
                time &+= round % 3 == 0 ? 60_000 : Int64.random(in: 0...1 << 40, using: &generator)
                let value: Double =
                    switch Int.random(in: 0..<5, using: &generator) {
                    case 0: Double(Int.random(in: 0...400, using: &generator))
                    case 1: Double.random(in: -1e300...1e300, using: &generator)
                    case 2:
                        [0.0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude].randomElement(using: &generator)!
                    default: 12.5
                    }
                return StoredSample(
                    time: time, value: value, received: time &+ Int64.random(in: -5_000...900_000, using: &generator))
            }
            let decoded = ChunkCodec.decode(ChunkCodec.encode(samples))
            #expect(decoded?.map(\.time) == samples.map(\.time))
            #expect(decoded?.map(\.value.bitPattern) == samples.map(\.value.bitPattern))
            #expect(decoded?.map(\.received) == samples.map(\.received))
        }
    }

    @Test func aRegularSeriesCostsAFewBytesASample() {
        let samples = (0..<60).map { minute in
            StoredSample(
                time: 1_784_000_000_000 + Int64(minute) * 60_000, value: Double(200 + minute % 3),
                received: 1_784_000_000_000 + Int64(minute) * 60_000 + 120)
        }
        let bytes = ChunkCodec.encode(samples).count
        #expect(bytes <= 60 * 5, "\(bytes) bytes for 60 samples")
    }

    @Test func damagedBytesAreRefused() {
        var generator = SeededGenerator(seed: 3)
        let good = ChunkCodec.encode(
            (0..<20).map { StoredSample(time: Int64($0) * 1_000, value: Double($0), received: 0) })
        #expect(ChunkCodec.decode(Array(good.dropLast())) == nil)
        #expect(ChunkCodec.decode(good + [0]) == nil)
        for _ in 0..<20_000 {
            let garbage = (0..<Int.random(in: 0...64, using: &generator)).map { _ in
                UInt8.random(in: 0...255, using: &generator)
            }
            _ = ChunkCodec.decode(garbage)  // must not trap
        }
    }
}
