/// Appends bits, most significant first, into 64-bit words.
struct BitWriter {
    private(set) var words: [UInt64] = []
    /// Bits used in the last word (0 when a new word is needed).
    private var used = 0

    var bitCount: Int { words.isEmpty ? 0 : (words.count - 1) * 64 + (used == 0 ? 64 : used) }

    /// Writes the low `count` bits of `value` (count 1...64).
    mutating func write(_ value: UInt64, bits count: Int) {
        precondition((1...64).contains(count))
        let value = count == 64 ? value : value & ((1 << count) - 1)
        if used == 0 { words.append(0) }
        let free = 64 - used
        if count <= free {
            words[words.count - 1] |= value << (free - count)
            used = (used + count) % 64
        } else {
            let spill = count - free
            words[words.count - 1] |= value >> spill
            words.append(value << (64 - spill))
            used = spill
        }
    }

    /// Gives back the spare capacity the words array grew into.
    mutating func shrinkToFit() {
        // A plain `Array(words)` would share the same (oversized) buffer.
        if words.capacity > words.count { words = words.withUnsafeBufferPointer { Array($0) } }
    }

    mutating func writeBit(_ bit: Bool) {
        write(bit ? 1 : 0, bits: 1)
    }
}

/// Reads what `BitWriter` wrote.
struct BitReader {
    private let words: [UInt64]
    private var position = 0

    init(_ words: [UInt64]) {
        self.words = words
    }

    mutating func read(bits count: Int) -> UInt64 {
        let index = position / 64
        let offset = position % 64
        position += count
        let available = 64 - offset
        if count <= available {
            let shifted = words[index] << offset
            return count == 64 ? shifted : shifted >> (64 - count)
        }
        let high = (words[index] << offset) >> (64 - count)
        let low = words[index + 1] >> (64 - (count - available))
        return high | low
    }

    mutating func readBit() -> Bool {
        read(bits: 1) == 1
    }
}

/// Maps signed integers to unsigned so that small magnitudes of either sign stay small.
@inline(__always) func zigzag(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value << 1) ^ (value >> 63))
}

@inline(__always) func unzigzag(_ value: UInt64) -> Int64 {
    Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
}
