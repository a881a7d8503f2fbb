// Trace and span ids: xoshiro256** seeded through splitmix64, never zero.

@testable import Spans
import TraceContext
import Testing

struct IDGeneratorTests {
    /// xoshiro256** outputs for states seeded by splitmix64 (reference values computed from the
    /// published algorithms; splitmix64(0) starts e220a8397b1dcdaf 6e789e6aa1b965f4 …).
    static let references: [(seed: UInt64, outputs: [UInt64])] = [
        (0, [0x99ec_5f36_cb75_f2b4, 0xbf6e_1f78_4956_452a, 0x1a5f_849d_4933_e6e0, 0x6aa5_94f1_262d_2d2c]),
        (42, [0x1578_0b2e_0c2e_c716, 0x6104_d986_6d11_3a7e, 0xae17_5332_39e4_99a1, 0xecb8_ad47_03b3_60a1]),
    ]

    @Test(arguments: references)
    func aSeedGivesTheReferenceSequence(seed: UInt64, expected: [UInt64]) {
        var ids = IDGenerator(seed: seed)
        #expect((0..<4).map { _ in ids.next() } == expected)
    }

    @Test func idsAreTakenFromTheSequenceInOrder() {
        var ids = IDGenerator(seed: 42)
        #expect(ids.traceID() == TraceID(high: 0x1578_0b2e_0c2e_c716, low: 0x6104_d986_6d11_3a7e))
        #expect(ids.spanID() == SpanID(0xae17_5332_39e4_99a1))
        #expect(ids.traceID().hex == "ecb8ad4703b360a1fde6dc7fe2ec5e64")
    }

    @Test func theSameSeedGivesTheSameIDsAndAnotherSeedOthers() {
        var a = IDGenerator(seed: 7)
        var b = IDGenerator(seed: 7)
        var c = IDGenerator(seed: 8)
        let first = (0..<100).map { _ in a.traceID() }
        #expect(first == (0..<100).map { _ in b.traceID() })
        #expect(Set(first).isDisjoint(with: (0..<100).map { _ in c.traceID() }))
        #expect(Set(first).count == 100)
    }

    /// splitmix64 yields 0 for counter 0, so this seed makes the generator's second state word 0,
    /// and its first output 0: a span id must never be zero (W3C: all-zero ids are invalid).
    @Test func aZeroOutputNeverBecomesAZeroID() {
        let seed = 0 &- 2 &* UInt64(0x9E37_79B9_7F4A_7C15)
        var raw = IDGenerator(seed: seed)
        #expect(raw.next() == 0)
        var spans = IDGenerator(seed: seed)
        #expect(spans.spanID() == SpanID(1))
        var traces = IDGenerator(seed: seed)
        let trace = traces.traceID()
        #expect(trace.isValid)
        #expect(trace == TraceID(high: 0, low: 0x9f9d_faa7_0e25_41e3))
    }

    @Test func manyIDsAreAllValid() {
        var ids = IDGenerator(seed: 1)
        #expect((0..<100_000).allSatisfy { _ in ids.traceID().isValid && ids.spanID().isValid })
        var system = IDGenerator()
        #expect((0..<1000).allSatisfy { _ in system.traceID().isValid && system.spanID().isValid })
    }

    @Test func systemSeededGeneratorsDiffer() {
        var a = IDGenerator()
        var b = IDGenerator()
        #expect(a.traceID() != b.traceID())
    }

    @Test func idsRenderBigEndian() {
        let trace = TraceID(high: 0x0af7_6519_16cd_43dd, low: 0x8448_eb21_1c80_319c)
        #expect(trace.hex == "0af7651916cd43dd8448eb211c80319c")
        #expect(trace.bytes == [0x0a, 0xf7, 0x65, 0x19, 0x16, 0xcd, 0x43, 0xdd, 0x84, 0x48, 0xeb, 0x21, 0x1c, 0x80, 0x31, 0x9c])
        #expect(SpanID(0xb7).hex == "00000000000000b7")
        #expect(SpanID(0xb7).bytes == [0, 0, 0, 0, 0, 0, 0, 0xb7])
    }
}
