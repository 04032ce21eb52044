import FeedCore

/// A fixed-capacity, time-ordered buffer of the most recent samples of one series.
///
/// Memory is allocated once, at `capacity`; when full, the oldest sample makes room. A sample older than
/// everything in a full ring is not kept (the durable log still has it). Same time twice: the first wins,
/// matching the store's `INSERT OR IGNORE`.
struct SeriesRing {
    private var storage: [Sample]
    /// Index in `storage` of the oldest sample.
    private var head = 0
    private(set) var count = 0
    let capacity: Int
    /// Whether older samples have been pushed out (or were never loaded): the ring is not the whole history.
    var isTruncated = false

    init(capacity: Int) {
        precondition(capacity > 0)
        self.capacity = capacity
        self.storage = []
        storage.reserveCapacity(capacity)
    }

    subscript(position: Int) -> Sample {
        storage[(head + position) % capacity]
    }

    var last: Sample? { count == 0 ? nil : self[count - 1] }
    var first: Sample? { count == 0 ? nil : self[0] }

    /// Inserts in time order. Returns `false` when the sample is a duplicate or too old for a full ring.
    @discardableResult
    mutating func insert(_ sample: Sample) -> Bool {
        if count == 0 || sample.time > self[count - 1].time {
            append(sample)
            return true
        }
        let position = firstIndex(notBefore: sample.time)
        if position < count && self[position].time == sample.time { return false }
        if count == capacity && position == 0 {
            isTruncated = true
            return false
        }
        // Out of order: append, then bubble the new sample back into place (rare, and short in practice).
        append(sample)
        var index = count - 1
        while index > 0 && self[index - 1].time > sample.time {
            swapAt(index - 1, index)
            index -= 1
        }
        return true
    }

    private mutating func append(_ sample: Sample) {
        if storage.count < capacity {
            storage.append(sample)
            count += 1
        } else if count < capacity {
            storage[(head + count) % capacity] = sample
            count += 1
        } else {
            storage[head] = sample
            head = (head + 1) % capacity
            isTruncated = true
        }
    }

    private mutating func swapAt(_ a: Int, _ b: Int) {
        storage.swapAt((head + a) % capacity, (head + b) % capacity)
    }

    /// The position of the first sample at or after `time` (binary search).
    func firstIndex(notBefore time: Timestamp) -> Int {
        var low = 0
        var high = count
        while low < high {
            let middle = (low + high) / 2
            if self[middle].time < time { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// Every sample, oldest first.
    var all: [Sample] { (0..<count).map { self[$0] } }

    /// Samples with `from <= time <= to`, oldest first.
    func samples(from: Timestamp, to: Timestamp) -> [Sample] {
        var result: [Sample] = []
        var index = firstIndex(notBefore: from)
        while index < count, self[index].time <= to {
            result.append(self[index])
            index += 1
        }
        return result
    }
}
