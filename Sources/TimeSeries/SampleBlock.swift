/// One sample as the in-memory series keep it: time in the series' time unit, value in its value unit
/// (scaled integers, see `SeriesLayout`).
struct EncodedSample: Hashable, Comparable {
    var time: Int64
    var value: Int64

    static func < (lhs: EncodedSample, rhs: EncodedSample) -> Bool { lhs.time < rhs.time }
}

/// A run of samples compressed Gorilla-style (VLDB 2015) as they are appended: timestamps as delta-of-delta,
/// values as the delta of scaled integers, both zigzagged into prefix codes sized for sensor data. Regular
/// timestamps cost one bit, an unchanged value one bit, a car park's usual change of a few cars about a byte.
/// There is no uncompressed buffer: the newest block is appended to in place, as in Gorilla.
struct SampleBlock {
    private(set) var first: EncodedSample
    private(set) var last: EncodedSample
    private(set) var count: Int
    private var writer = BitWriter()
    private var lastDelta: Int64 = 0

    /// Memory the block holds: its bit stream and its fixed fields.
    var byteCount: Int { writer.words.capacity * 8 + MemoryLayout<SampleBlock>.stride }

    init(_ sample: EncodedSample) {
        first = sample
        last = sample
        count = 1
    }

    /// Encodes `samples`, which must be sorted by time, distinct in time, and not empty.
    init(_ samples: some Collection<EncodedSample>) {
        precondition(!samples.isEmpty)
        self.init(samples.first!)
        for sample in samples.dropFirst() { append(sample) }
        writer.shrinkToFit()
    }

    /// Appends a sample later than `last`.
    mutating func append(_ sample: EncodedSample) {
        let delta = sample.time &- last.time
        Self.writeTime(zigzag(delta &- lastDelta), to: &writer)
        Self.writeValue(zigzag(sample.value &- last.value), to: &writer)
        lastDelta = delta
        last = sample
        count += 1
    }

    /// Releases the spare capacity of a block that will not grow any more.
    mutating func seal() {
        writer.shrinkToFit()
    }

    /// Every sample, in time order.
    func decode() -> [EncodedSample] {
        var result: [EncodedSample] = []
        result.reserveCapacity(count)
        result.append(first)
        var reader = BitReader(writer.words)
        var previous = first
        var previousDelta: Int64 = 0
        for _ in 1..<max(count, 1) {
            let delta = previousDelta &+ unzigzag(Self.readTime(from: &reader))
            let value = previous.value &+ unzigzag(Self.readValue(from: &reader))
            let sample = EncodedSample(time: previous.time &+ delta, value: value)
            result.append(sample)
            previousDelta = delta
            previous = sample
        }
        return result
    }

    // Time: '0' same interval; '10' + 7 bits; '110' + 12; '1110' + 20; '1111' + 64.
    private static func writeTime(_ code: UInt64, to writer: inout BitWriter) {
        switch code {
        case 0: writer.write(0b0, bits: 1)
        case ..<(1 << 7): writer.write(0b10 << 7 | code, bits: 9)
        case ..<(1 << 12): writer.write(0b110 << 12 | code, bits: 15)
        case ..<(1 << 20): writer.write(0b1110 << 20 | code, bits: 24)
        default:
            writer.write(0b1111, bits: 4)
            writer.write(code, bits: 64)
        }
    }

    private static func readTime(from reader: inout BitReader) -> UInt64 {
        if !reader.readBit() { return 0 }
        if !reader.readBit() { return reader.read(bits: 7) }
        if !reader.readBit() { return reader.read(bits: 12) }
        if !reader.readBit() { return reader.read(bits: 20) }
        return reader.read(bits: 64)
    }

    // Value: '0' unchanged; '10' + 4 bits; '110' + 7; '1110' + 12; '11110' + 24; '11111' + 64.
    private static func writeValue(_ code: UInt64, to writer: inout BitWriter) {
        switch code {
        case 0: writer.write(0b0, bits: 1)
        case ..<(1 << 4): writer.write(0b10 << 4 | code, bits: 6)
        case ..<(1 << 7): writer.write(0b110 << 7 | code, bits: 10)
        case ..<(1 << 12): writer.write(0b1110 << 12 | code, bits: 16)
        case ..<(1 << 24): writer.write(0b11110 << 24 | code, bits: 29)
        default:
            writer.write(0b11111, bits: 5)
            writer.write(code, bits: 64)
        }
    }

    private static func readValue(from reader: inout BitReader) -> UInt64 {
        if !reader.readBit() { return 0 }
        if !reader.readBit() { return reader.read(bits: 4) }
        if !reader.readBit() { return reader.read(bits: 7) }
        if !reader.readBit() { return reader.read(bits: 12) }
        if !reader.readBit() { return reader.read(bits: 24) }
        return reader.read(bits: 64)
    }
}
