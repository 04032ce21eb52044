/// One stored reading as the durable log keeps it: full resolution, milliseconds.
struct StoredSample: Equatable {
    /// Observation time, milliseconds since 1970.
    var time: Int64
    /// The value as received.
    var value: Double
    /// When the daemon received it, milliseconds since 1970.
    var received: Int64
}

/// The byte encoding of a compacted chunk: one series' readings of one span, in time order, lossless.
///
/// - Times: the first as a zigzag varint, then the change of the interval (delta of delta), zigzag varints:
///   a regular series costs one byte a sample.
/// - Values: the first as its 8 bytes, then each XORed with the previous one: a control byte (leading zero
///   bytes in the high nibble, meaningful bytes in the low one) and the meaningful bytes; a repeated value
///   costs one byte.
/// - Reception: how long after its time a reading came, as the change from the previous reading's, a zigzag
///   varint (a steady delay costs one byte).
enum ChunkCodec {
    static func encode(_ samples: [StoredSample]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + samples.count * 6)
        appendVarint(UInt64(samples.count), to: &bytes)
        var previousTime: Int64 = 0
        var previousDelta: Int64 = 0
        var previousBits: UInt64 = 0
        var previousLag: Int64 = 0
        for (index, sample) in samples.enumerated() {
            // Wrapping arithmetic: any Int64 times round-trip, however far apart.
            let delta = sample.time &- previousTime
            appendVarint(zigzag(index == 0 ? sample.time : delta &- previousDelta), to: &bytes)
            (previousTime, previousDelta) = (sample.time, index == 0 ? 0 : delta)
            let bits = sample.value.bitPattern
            if index == 0 {
                for shift in stride(from: 56, through: 0, by: -8) {
                    bytes.append(UInt8(truncatingIfNeeded: bits >> shift))
                }
            } else {
                let xor = bits ^ previousBits
                if xor == 0 {
                    bytes.append(0)
                } else {
                    let leading = xor.leadingZeroBitCount / 8
                    let trailing = xor.trailingZeroBitCount / 8
                    let meaningful = 8 - leading - trailing
                    bytes.append(UInt8(leading << 4 | meaningful))
                    for byte in 0..<meaningful {
                        bytes.append(UInt8(truncatingIfNeeded: xor >> UInt64(8 * (7 - leading - byte))))
                    }
                }
            }
            previousBits = bits
            let lag = sample.received &- sample.time
            appendVarint(zigzag(lag &- previousLag), to: &bytes)
            previousLag = lag
        }
        return bytes
    }

    /// The samples of an encoded chunk; `nil` if the bytes are not one (a damaged file).
    static func decode(_ bytes: [UInt8]) -> [StoredSample]? {
        var position = 0
        guard let count = readVarint(bytes, &position), count <= UInt64(bytes.count) else { return nil }
        var samples: [StoredSample] = []
        samples.reserveCapacity(Int(count))
        var previousTime: Int64 = 0
        var previousDelta: Int64 = 0
        var previousBits: UInt64 = 0
        var previousLag: Int64 = 0
        for index in 0..<Int(count) {
            guard let encodedTime = readVarint(bytes, &position) else { return nil }
            let time: Int64
            if index == 0 {
                time = unzigzag(encodedTime)
            } else {
                let delta = previousDelta &+ unzigzag(encodedTime)
                time = previousTime &+ delta
                previousDelta = delta
            }
            previousTime = time
            var bits: UInt64
            if index == 0 {
                guard position + 8 <= bytes.count else { return nil }
                bits = bytes[position..<position + 8].reduce(0) { $0 << 8 | UInt64($1) }
                position += 8
            } else {
                guard position < bytes.count else { return nil }
                let control = Int(bytes[position])
                position += 1
                let (leading, meaningful) = (control >> 4, control & 0x0F)
                guard leading + meaningful <= 8, position + meaningful <= bytes.count else { return nil }
                var xor: UInt64 = 0
                for byte in 0..<meaningful {
                    xor |= UInt64(bytes[position + byte]) << UInt64(8 * (7 - leading - byte))
                }
                position += meaningful
                bits = previousBits ^ xor
            }
            previousBits = bits
            guard let lagChange = readVarint(bytes, &position) else { return nil }
            let lag = previousLag &+ unzigzag(lagChange)
            previousLag = lag
            samples.append(StoredSample(time: time, value: Double(bitPattern: bits), received: time &+ lag))
        }
        return position == bytes.count ? samples : nil
    }

    private static func zigzag(_ value: Int64) -> UInt64 { UInt64(bitPattern: (value << 1) ^ (value >> 63)) }
    private static func unzigzag(_ value: UInt64) -> Int64 {
        Int64(bitPattern: value >> 1) ^ -Int64(bitPattern: value & 1)
    }

    private static func appendVarint(_ value: UInt64, to bytes: inout [UInt8]) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    private static func readVarint(_ bytes: [UInt8], _ position: inout Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while position < bytes.count, shift < 64 {
            let byte = bytes[position]
            position += 1
            value |= UInt64(byte & 0x7F) << shift
            if byte < 0x80 { return value }
            shift += 7
        }
        return nil
    }
}
