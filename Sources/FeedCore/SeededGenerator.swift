/// A small, fast, seeded random number generator (SplitMix64): the simulator and the fuzz tests use it so that
/// a run can be repeated exactly.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var state: UInt64

    /// A generator whose sequence is fixed by `seed`, so a simulation can be repeated.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next pseudo-random number of the sequence.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
