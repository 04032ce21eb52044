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
    /// One step's place: its start, and its aggregate once a sample fell in it.
    private struct Slot {
        var start = Int64.min
        var aggregate: Aggregate?
    }

    /// Slots are allocated a page at a time, on the first sample that falls in the page: a series with little
    /// data holds little, whatever the ring's capacity (a car park reporting since this morning touches a few
    /// pages of a quarter's ring, not all of it).
    static let pageSize = 64

    let step: Int64
    let capacity: Int
    private var pages: [[Slot]?]
    private(set) var newestStart = Int64.min

    init(step: Int64, capacity: Int) {
        precondition(step > 0 && capacity > 0)
        self.step = step
        self.capacity = capacity
        pages = Array(repeating: nil, count: (capacity + Self.pageSize - 1) / Self.pageSize)
    }

    /// The most a step can cost, once its page is allocated (for the configuration's upper bound).
    static var bytesPerStep: Int { MemoryLayout<Slot>.stride }
    /// The most a ring of `capacity` steps can hold: every page allocated, the last one whole.
    static func maximumBytes(capacity: Int) -> Int {
        let pageCount = (capacity + pageSize - 1) / pageSize
        return pageCount * MemoryLayout<[Slot]?>.stride + pageCount * pageSize * bytesPerStep + 64
    }

    /// What the ring holds now: the page table and the pages allocated so far.
    var byteCount: Int {
        pages.count * MemoryLayout<[Slot]?>.stride + pages.reduce(0) { $0 + ($1 == nil ? 0 : Self.pageSize) }
            * Self.bytesPerStep + 64
    }

    var oldestStart: Int64 { newestStart == .min ? .min : newestStart - step * Int64(capacity - 1) }

    func start(of time: Int64) -> Int64 {
        time >= 0 ? time / step * step : ((time + 1) / step - 1) * step
    }

    private func slot(of start: Int64) -> Int {
        Int(((start / step) % Int64(capacity) + Int64(capacity)) % Int64(capacity))
    }

    private func read(_ index: Int) -> Slot? {
        pages[index / Self.pageSize]?[index % Self.pageSize]
    }

    @discardableResult
    mutating func add(_ value: Double, time: Int64) -> Bool {
        let start = start(of: time)
        if start > newestStart {
            newestStart = start
        } else if start < oldestStart {
            return false
        }
        let index = slot(of: start)
        let (page, offset) = (index / Self.pageSize, index % Self.pageSize)
        if pages[page] == nil { pages[page] = Array(repeating: Slot(), count: Self.pageSize) }
        if pages[page]![offset].start != start {
            pages[page]![offset] = Slot(start: start, aggregate: Aggregate(value: value, time: time))
        } else {
            pages[page]![offset].aggregate!.add(value, time: time)
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
            if let slot = read(slot(of: start)), slot.start == start, let aggregate = slot.aggregate {
                result.append((start, aggregate))
            }
            start += step
        }
        return result
    }
}
