/// The newest samples of one series in fixed memory: sealed, compressed blocks (`SampleBlock`) plus an
/// uncompressed head of the most recent ones.
///
/// - Appending in time order touches only the head; when the head holds two blocks' worth, the older half is
///   sealed. When the sealed samples exceed `capacity`, the oldest block is dropped (the durable log keeps it).
/// - A sample older than the head is placed in the right block (decoded and re-encoded: rare, and bounded by
///   the block size). A sample at or before what memory has dropped is not kept: `insert` says `.beforeWindow`
///   (the durable log and the rollups still take it).
/// - Same time twice: the first value wins, as in the durable log (`INSERT OR IGNORE`).
struct CompressedSeries {
    enum InsertResult: Equatable {
        case inserted
        case duplicate
        case beforeWindow
    }

    let capacity: Int
    let blockSize: Int
    private var blocks: [SampleBlock] = []
    private var head: [EncodedSample] = []
    /// Samples held, including up to a block and a head beyond `capacity` that queries do not show.
    private(set) var count = 0
    /// Memory holds every sample after this time and none at or before it (after a drop, or when loaded from
    /// a log with older rows); `nil` while memory holds the whole history.
    private var horizon: Int64?

    /// Whether older samples exist than the ones shown: memory is not the whole history.
    var isTruncated: Bool { horizon != nil || count > capacity }

    /// Records that older samples exist (in the durable log) than the ones loaded.
    mutating func markOlderSamplesExist() {
        if let first = blocks.first?.first ?? head.first { horizon = max(horizon ?? .min, first.time - 1) }
    }

    init(capacity: Int, blockSize: Int = 64) {
        precondition(capacity > 0 && blockSize > 0)
        self.capacity = capacity
        self.blockSize = blockSize
        head.reserveCapacity(2 * blockSize)
    }

    /// The oldest sample shown: queries show the newest `capacity` samples, whatever else memory still holds,
    /// so that a series rebuilt from the durable log answers exactly as the live one did.
    var first: EncodedSample? {
        guard count > 0 else { return nil }
        return sample(at: Swift.max(0, count - capacity))
    }
    var last: EncodedSample? { head.last ?? blocks.last?.last }

    private func sample(at position: Int) -> EncodedSample {
        var remaining = position
        for block in blocks {
            if remaining < block.count { return block.decode()[remaining] }
            remaining -= block.count
        }
        return head[remaining]
    }

    /// Bytes held: compressed blocks, the head, and the block list.
    var byteCount: Int {
        blocks.reduce(0) { $0 + $1.byteCount } + head.capacity * MemoryLayout<EncodedSample>.stride
            + blocks.capacity * MemoryLayout<SampleBlock>.stride + 64
    }

    /// Bytes the sealed blocks take per sample they hold.
    var sealedBytesPerSample: Double? {
        let samples = blocks.reduce(0) { $0 + $1.count }
        return samples == 0 ? nil : Double(blocks.reduce(0) { $0 + $1.byteCount }) / Double(samples)
    }

    @discardableResult
    mutating func insert(_ sample: EncodedSample) -> InsertResult {
        if let newest = last, sample.time <= newest.time {
            return insertOutOfOrder(sample)
        }
        head.append(sample)
        count += 1
        sealIfFull()
        return .inserted
    }

    private mutating func insertOutOfOrder(_ sample: EncodedSample) -> InsertResult {
        if let horizon, sample.time <= horizon { return .beforeWindow }
        if let headFirst = head.first, sample.time >= headFirst.time || blocks.isEmpty {
            let position = head.partitioningIndex { $0.time >= sample.time }
            if position < head.count && head[position].time == sample.time { return .duplicate }
            head.insert(sample, at: position)
            count += 1
            sealIfFull()
            return .inserted
        }
        guard !blocks.isEmpty else {
            head.append(sample)
            count += 1
            return .inserted
        }
        // Into the block whose span holds it, or the next one after a gap; before the first block only while
        // nothing has been dropped.
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

    private mutating func sealIfFull() {
        guard head.count >= 2 * blockSize else { return }
        blocks.append(SampleBlock(head[..<blockSize]))
        head.removeFirst(blockSize)
        while let oldest = blocks.first, count - oldest.count >= capacity {
            count -= oldest.count
            blocks.removeFirst()
            horizon = oldest.last.time
        }
    }

    /// Every sample shown, oldest first.
    func all() -> [EncodedSample] {
        Array((blocks.flatMap { $0.decode() } + head).suffix(capacity))
    }

    /// Samples shown with `from <= time <= to`, oldest first; only the blocks that overlap are decoded.
    func samples(from: Int64, to: Int64) -> [EncodedSample] {
        guard let first else { return [] }
        let from = Swift.max(from, first.time)
        var result: [EncodedSample] = []
        for block in blocks where block.last.time >= from && block.first.time <= to {
            result += block.decode().filter { $0.time >= from && $0.time <= to }
        }
        result += head.filter { $0.time >= from && $0.time <= to }
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
