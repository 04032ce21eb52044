/// One step of a rollup: what the samples whose time falls in `[start, start + step)` add up to.
public struct Aggregate: Equatable, Sendable {
    /// How many samples fell in the step.
    public var count: Int
    /// The smallest of them.
    public var min: Double
    /// The largest of them.
    public var max: Double
    /// Their sum (the mean is `sum / count`).
    public var sum: Double
    /// The value of the latest sample in the step, and its time.
    public var last: Double
    /// In the series' time unit (internal: callers see `Timestamp`s).
    var lastTime: Int64

    /// The mean of the step's samples.
    public var mean: Double { sum / Double(count) }

    init(value: Double, time: Int64) {
        count = 1
        min = value
        max = value
        sum = value
        last = value
        lastTime = time
    }

    mutating func add(_ value: Double, time: Int64) {
        count += 1
        min = Swift.min(min, value)
        max = Swift.max(max, value)
        sum += value
        if time >= lastTime {
            last = value
            lastTime = time
        }
    }

    mutating func merge(_ other: Aggregate) {
        count += other.count
        min = Swift.min(min, other.min)
        max = Swift.max(max, other.max)
        sum += other.sum
        if other.lastTime >= lastTime {
            last = other.last
            lastTime = other.lastTime
        }
    }
}

/// A fixed ring of consolidated steps (RRDtool's RRA): `capacity` steps of `step` time units, each holding
/// min, max, sum, count and last of its samples. Memory is fixed when it is made.
struct RollupRing {
    let step: Int64
    let capacity: Int
    /// Slot `i` holds the step starting at `starts[i]` (Int64.min: empty).
    private var starts: [Int64]
    private var aggregates: [Aggregate?]
    /// Start of the newest step written.
    private(set) var newestStart = Int64.min

    init(step: Int64, capacity: Int) {
        precondition(step > 0 && capacity > 0)
        self.step = step
        self.capacity = capacity
        starts = Array(repeating: .min, count: capacity)
        aggregates = Array(repeating: nil, count: capacity)
    }

    static var bytesPerStep: Int { MemoryLayout<Int64>.stride + MemoryLayout<Aggregate?>.stride }
    var byteCount: Int { capacity * Self.bytesPerStep + 64 }

    /// The earliest step start the ring can still hold.
    var oldestStart: Int64 { newestStart == .min ? .min : newestStart - step * Int64(capacity - 1) }

    func start(of time: Int64) -> Int64 {
        time >= 0 ? time / step * step : ((time + 1) / step - 1) * step
    }

    private func slot(of start: Int64) -> Int {
        Int(((start / step) % Int64(capacity) + Int64(capacity)) % Int64(capacity))
    }

    /// Adds a sample; `false` when its step is older than the ring holds.
    @discardableResult
    mutating func add(_ value: Double, time: Int64) -> Bool {
        let start = start(of: time)
        if start > newestStart {
            newestStart = start
        } else if start < oldestStart {
            return false
        }
        let index = slot(of: start)
        if starts[index] != start {
            starts[index] = start
            aggregates[index] = Aggregate(value: value, time: time)
        } else {
            aggregates[index]!.add(value, time: time)
        }
        return true
    }

    /// The steps with samples whose start lies in `[from, to]`, oldest first.
    func steps(from: Int64, to: Int64) -> [(start: Int64, aggregate: Aggregate)] {
        guard newestStart != .min else { return [] }
        var result: [(start: Int64, aggregate: Aggregate)] = []
        var start = Swift.max(start(of: from), oldestStart)
        let end = Swift.min(to, newestStart)
        while start <= end {
            let index = slot(of: start)
            if starts[index] == start, let aggregate = aggregates[index] {
                result.append((start, aggregate))
            }
            start += step
        }
        return result
    }
}
