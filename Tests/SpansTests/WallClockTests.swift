// Kernel CLOCK_MONOTONIC timestamps on the Unix-epoch wall clock.

import Glibc
@testable import Spans
import Testing

struct WallClockTests {
    @Test(arguments: [
        (Int64(1_795_000_000_000_000_000), UInt64(0), UInt64(1_795_000_000_000_000_000)),
        (1_795_000_000_000_000_000, 86_400_000_000_123, 1_795_086_400_000_000_123),
        (1_000, 5_000, 6_000),
        (-1_000, 5_000, 4_000),
        (0, 42, 42),
    ])
    func addsTheOffsetToTheMonotonicTime(offset: Int64, monotonic: UInt64, unix: UInt64) {
        #expect(WallClock(offsetNanoseconds: offset).unixNanoseconds(monotonic: monotonic) == unix)
    }

    /// realtime − monotonic read here, bracketed the same way, agrees with the sampled offset.
    @Test func theSampledOffsetIsRealtimeMinusMonotonic() {
        let sampled = WallClock.sampleOffset()
        var best: (gap: Int64, offset: Int64) = (.max, 0)
        for _ in 0..<32 {
            let before = Self.read(CLOCK_MONOTONIC)
            let real = Self.read(CLOCK_REALTIME)
            let after = Self.read(CLOCK_MONOTONIC)
            if after - before < best.gap { best = (after - before, real - (before + (after - before) / 2)) }
        }
        #expect(abs(sampled - best.offset) < 50_000, "sampled \(sampled), read \(best.offset)")
    }

    @Test func aClockMadeNowHasTheSampledOffset() {
        let clock = WallClock()
        #expect(abs(clock.offsetNanoseconds - WallClock.sampleOffset()) < 50_000)
    }

    @Test func refreshReplacesTheOffsetWithAFreshSample() {
        // a clock whose offset is a day off, as after the wall clock was stepped
        var clock = WallClock(offsetNanoseconds: WallClock.sampleOffset() - 86_400_000_000_000)
        let stale = clock.offsetNanoseconds
        clock.refresh()
        let fresh = WallClock.sampleOffset()
        #expect(clock.offsetNanoseconds != stale)
        #expect(abs(clock.offsetNanoseconds - fresh) < 50_000)
        let now = WallClock.monotonicNow()
        let wall = clock.unixNanoseconds(monotonic: now)
        #expect(abs(Int64(bitPattern: wall) - Self.read(CLOCK_REALTIME)) < 1_000_000)
    }

    @Test func monotonicNowIsClockMonotonic() {
        let before = Self.read(CLOCK_MONOTONIC)
        let now = Int64(WallClock.monotonicNow())
        let after = Self.read(CLOCK_MONOTONIC)
        #expect(before <= now && now <= after)
    }

    private static func read(_ clock: clockid_t) -> Int64 {
        var ts = timespec()
        clock_gettime(clock, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }
}
