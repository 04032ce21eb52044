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

/// A ring of consolidated steps (RRDtool's RRA): the steps of `step` time units that hold samples, among the
/// newest `capacity` steps, each with min, max, sum, count and last of its samples.
///
/// Only steps that hold samples take memory, in time order, in a buffer that doubles as they come up to the
/// capacity and never beyond: a detector heard once holds one step, a car park reporting every minute for
/// a month holds the whole ring (RRDtool's fixed memory is the upper bound, not the cost).
struct RollupRing {
    /// A step that holds samples.
    struct Step {
        var start: Int64
        var aggregate: Aggregate
    }

    let step: Int64
    let capacity: Int
    /// The occupied steps in time order, from `head`, wrapping around the buffer.
    private var buffer: [Step] = []
    private var head = 0
    private(set) var count = 0
    private(set) var newestStart = Int64.min

    init(step: Int64, capacity: Int) {
        precondition(step > 0 && capacity > 0)
        self.step = step
        self.capacity = capacity
    }

    /// What one step takes once held.
    static var bytesPerStep: Int { MemoryLayout<Step>.stride }
    /// The most a ring of `capacity` steps can hold: every step held (for the configuration's upper bound).
    static func maximumBytes(capacity: Int) -> Int { capacity * bytesPerStep + 64 }

    /// What the ring holds now: its buffer as allocated.
    var byteCount: Int { buffer.capacity * Self.bytesPerStep + 64 }

    var oldestStart: Int64 { newestStart == .min ? .min : newestStart - step * Int64(capacity - 1) }

    func start(of time: Int64) -> Int64 {
        time >= 0 ? time / step * step : ((time + 1) / step - 1) * step
    }

    private func position(_ index: Int) -> Int {
        let position = head + index
        return position < buffer.count ? position : position - buffer.count
    }

    private subscript(index: Int) -> Step {
        get { buffer[position(index)] }
        set { buffer[position(index)] = newValue }
    }

    /// The index of the first held step starting at or after `start`.
    private func firstIndex(startingAtOrAfter start: Int64) -> Int {
        var (low, high) = (0, count)
        while low < high {
            let middle = (low + high) / 2
            if self[middle].start < start { low = middle + 1 } else { high = middle }
        }
        return low
    }

    @discardableResult
    mutating func add(_ value: Double, time: Int64) -> Bool {
        let start = start(of: time)
        if start > newestStart {
            newestStart = start
            // Steps that fell out of the window leave from the front.
            let oldest = oldestStart
            while count > 0 && self[0].start < oldest {
                head = position(1)
                count -= 1
            }
            insert(Step(start: start, aggregate: Aggregate(value: value, time: time)), at: count)
            return true
        }
        guard start >= oldestStart else { return false }
        let index = firstIndex(startingAtOrAfter: start)
        if index < count && self[index].start == start {
            self[index].aggregate.add(value, time: time)
        } else {
            insert(Step(start: start, aggregate: Aggregate(value: value, time: time)), at: index)
        }
        return true
    }

    /// Inserts `item` before the step at `index`; a step late in the window moves the newer ones up by one.
    private mutating func insert(_ item: Step, at index: Int) {
        if count == buffer.count {
            // Full: a buffer twice as large (at most the capacity), in order from its start.
            let grown = Swift.min(Swift.max(4, count * 2), capacity)
            var larger: [Step] = []
            larger.reserveCapacity(grown)
            for offset in 0..<count { larger.append(self[offset]) }
            larger.append(contentsOf: repeatElement(item, count: grown - count))
            buffer = larger
            head = 0
        }
        var moving = count
        while moving > index {
            self[moving] = self[moving - 1]
            moving -= 1
        }
        self[index] = item
        count += 1
    }

    /// The steps with samples whose start lies in `[from, to]`, oldest first.
    func steps(from: Int64, to: Int64) -> [(start: Int64, aggregate: Aggregate)] {
        var result: [(start: Int64, aggregate: Aggregate)] = []
        var index = firstIndex(startingAtOrAfter: Swift.max(start(of: from), oldestStart))
        while index < count && self[index].start <= to {
            result.append((self[index].start, self[index].aggregate))
            index += 1
        }
        return result
    }
}
