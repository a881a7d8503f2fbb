import Glibc

/// Converts kernel CLOCK_MONOTONIC timestamps to Unix-epoch nanoseconds.
///
/// The offset (realtime − monotonic) is sampled as the pair of readings with the smallest gap
/// among a few tries, so it is accurate to well under a microsecond; `refresh()` re-samples it
/// (NTP slews the realtime clock; a step of the wall clock is picked up at the next refresh).
public struct WallClock: Sendable {
    public private(set) var offsetNanoseconds: Int64

    public init() {
        offsetNanoseconds = Self.sampleOffset()
    }

    /// A fixed offset, for tests.
    public init(offsetNanoseconds: Int64) {
        self.offsetNanoseconds = offsetNanoseconds
    }

    public mutating func refresh() {
        offsetNanoseconds = Self.sampleOffset()
    }

    public func unixNanoseconds(monotonic: UInt64) -> UInt64 {
        UInt64(bitPattern: Int64(bitPattern: monotonic) &+ offsetNanoseconds)
    }

    public static func monotonicNow() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    private static func realtimeNow() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    static func sampleOffset() -> Int64 {
        var best: (gap: UInt64, offset: Int64) = (.max, 0)
        for _ in 0..<16 {
            let before = monotonicNow()
            let real = realtimeNow()
            let after = monotonicNow()
            let gap = after &- before
            if gap < best.gap {
                let middle = before + gap / 2
                best = (gap, real - Int64(bitPattern: middle))
            }
        }
        return best.offset
    }
}
