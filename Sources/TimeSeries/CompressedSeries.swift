/// The newest samples of one series in fixed memory: a list of compressed blocks (`SampleBlock`), the last of
/// which is open and appended to in place, Gorilla-style.
///
/// - Appending in time order touches only the open block; when it holds `blockSize` samples it is sealed and
///   a new one begins. When the samples beyond the oldest block still number `capacity`, the oldest block is
///   dropped (the durable log keeps it).
/// - A sample older than the newest is placed in the right block (decoded and re-encoded: rare, and bounded by
///   the block size). A sample at or before what memory has dropped is not kept: `insert` says `.beforeWindow`
///   (the durable log and the rollups still take it).
/// - Same time twice: the first value wins, as in the durable log (`INSERT OR IGNORE`).
/// - Queries show the newest `capacity` samples, whatever else memory still holds, so that a series rebuilt
///   from the durable log answers exactly as the live one did.
struct CompressedSeries {
    enum InsertResult: Equatable {
        case inserted
        case duplicate
        case beforeWindow
    }

    let capacity: Int
    let blockSize: Int
    private var blocks: [SampleBlock] = []
    /// Samples held, including up to a block beyond `capacity` that queries do not show.
    private(set) var count = 0
    /// Memory holds every sample after this time and none at or before it (after a drop, or when loaded from
    /// a log with older rows); `nil` while memory holds the whole history.
    private var horizon: Int64?

    static let defaultBlockSize = 256

    init(capacity: Int, blockSize: Int = defaultBlockSize) {
        precondition(capacity > 0 && blockSize > 1)
        self.capacity = capacity
        self.blockSize = blockSize
    }

    /// Whether older samples exist than the ones shown: memory is not the whole history.
    var isTruncated: Bool { horizon != nil || count > capacity }

    /// Records that older samples exist (in the durable log) than the ones loaded.
    mutating func markOlderSamplesExist() {
        if let first = blocks.first?.first { horizon = max(horizon ?? .min, first.time - 1) }
    }

    /// The oldest sample shown.
    var first: EncodedSample? {
        guard count > 0 else { return nil }
        var remaining = Swift.max(0, count - capacity)
        for block in blocks {
            if remaining == 0 { return block.first }
            if remaining < block.count { return block.decode()[remaining] }
            remaining -= block.count
        }
        return nil
    }

    var last: EncodedSample? { blocks.last?.last }

    /// Bytes held: the blocks and the block list.
    var byteCount: Int {
        blocks.reduce(0) { $0 + $1.byteCount } + blocks.capacity * MemoryLayout<SampleBlock>.stride + 32
    }

    /// Bytes per sample held, everything included.
    var bytesPerSample: Double? {
        count == 0 ? nil : Double(byteCount) / Double(count)
    }

    @discardableResult
    mutating func insert(_ sample: EncodedSample) -> InsertResult {
        guard let newest = last else {
            blocks.append(SampleBlock(sample))
            count = 1
            return .inserted
        }
        if sample.time > newest.time {
            if blocks[blocks.count - 1].count >= blockSize {
                blocks[blocks.count - 1].seal()
                blocks.append(SampleBlock(sample))
                dropOldBlocks()
            } else {
                blocks[blocks.count - 1].append(sample)
            }
            count += 1
            return .inserted
        }
        // Several readings within one time unit (a second) keep the first: cheap to see at the newest.
        if sample.time == newest.time { return .duplicate }
        if let horizon, sample.time <= horizon { return .beforeWindow }
        // Into the block whose span holds it, or the next one after a gap (the first before everything).
        var index = blocks.partitioningIndex { $0.last.time >= sample.time }
        if index == blocks.count { index = blocks.count - 1 }
        var samples = blocks[index].decode()
        let position = samples.partitioningIndex { $0.time >= sample.time }
        if position < samples.count && samples[position].time == sample.time { return .duplicate }
        samples.insert(sample, at: position)
        blocks[index] = SampleBlock(samples)
        count += 1
        return .inserted
    }

    private mutating func dropOldBlocks() {
        while let oldest = blocks.first, count - oldest.count >= capacity {
            count -= oldest.count
            blocks.removeFirst()
            horizon = oldest.last.time
        }
    }

    /// Every sample shown, oldest first.
    func all() -> [EncodedSample] {
        Array(blocks.flatMap { $0.decode() }.suffix(capacity))
    }

    /// Samples shown with `from <= time <= to`, oldest first; only the blocks that overlap are decoded.
    func samples(from: Int64, to: Int64) -> [EncodedSample] {
        guard let first else { return [] }
        let from = Swift.max(from, first.time)
        var result: [EncodedSample] = []
        for block in blocks where block.last.time >= from && block.first.time <= to {
            result += block.decode().filter { $0.time >= from && $0.time <= to }
        }
        return result
    }
}

extension Collection {
    /// The first index whose element satisfies `predicate`, which must be false then true along the collection.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Index {
        var low = startIndex
        var length = count
        while length > 0 {
            let half = length / 2
            let middle = index(low, offsetBy: half)
            if predicate(self[middle]) {
                length = half
            } else {
                low = index(after: middle)
                length -= half + 1
            }
        }
        return low
    }
}
