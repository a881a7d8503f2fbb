/// A small deterministic generator (Marsaglia's xorshift64) for tests that damage input bytes: the
/// same seed gives the same damage on every run, so a failure can be replayed.
public struct XorShift64: Sendable {
    private var state: UInt64

    /// `seed` must not be 0 (the generator would stay at 0).
    public init(seed: UInt64 = 0x9E37_79B9_7F4A_7C15) {
        precondition(seed != 0)
        state = seed
    }

    public mutating func next() -> UInt64 {
        state ^= state << 13
        state ^= state >> 7
        state ^= state << 17
        return state
    }
}
