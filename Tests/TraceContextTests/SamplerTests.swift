import Testing
@testable import TraceContext

/// Sampling decisions of the built-in samplers, and the trace-id-ratio threshold arithmetic.
struct SamplerTests {
    /// Parents as the ParentBased table names them.
    enum Parent: String, CaseIterable, CustomStringConvertible {
        case none, remoteSampled, remoteNotSampled, localSampled, localNotSampled

        var context: ParentContext? {
            switch self {
            case .none: return nil
            case .remoteSampled: return ParentContext(isSampled: true, isRemote: true)
            case .remoteNotSampled: return ParentContext(isSampled: false, isRemote: true)
            case .localSampled: return ParentContext(isSampled: true, isRemote: false)
            case .localNotSampled: return ParentContext(isSampled: false, isRemote: false)
            }
        }

        var description: String { rawValue }
    }

    /// With ratio 1 the ratio samplers sample every trace, so only the parent rules differ.
    @Test(arguments: [
        (SamplerKind.alwaysOn, [true, true, true, true, true]),
        (.alwaysOff, [false, false, false, false, false]),
        (.traceIDRatio, [true, true, true, true, true]),
        (.parentBasedAlwaysOn, [true, true, false, true, false]),
        (.parentBasedAlwaysOff, [false, true, false, true, false]),
        (.parentBasedTraceIDRatio, [true, true, false, true, false]),
    ])
    func decidesForEachParent(kind: SamplerKind, expected: [Bool]) {
        let sampler = Sampler(SamplerConfiguration(kind: kind, ratio: 1.0))
        let decisions = Parent.allCases.map { sampler.shouldSample(parent: $0.context, traceID: TraceID(high: 0, low: 0)) }
        #expect(decisions == expected)
    }

    @Test func traceIDRatioIgnoresTheParentsFlag() {
        let never = Sampler(SamplerConfiguration(kind: .traceIDRatio, ratio: 0))
        let always = Sampler(SamplerConfiguration(kind: .traceIDRatio, ratio: 1))
        #expect(!never.shouldSample(parent: Parent.remoteSampled.context, traceID: TraceID(high: 0, low: .max)))
        #expect(always.shouldSample(parent: Parent.localNotSampled.context, traceID: TraceID(high: 0, low: 0)))
    }

    @Test(arguments: [UInt64(0), 1, 0x0080_0000_0000_0000, 0x00FF_FFFF_FFFF_FFFF, .max])
    func ratioZeroSamplesNothingAndRatioOneEverything(traceIDLow: UInt64) {
        for kind in [SamplerKind.traceIDRatio, .parentBasedTraceIDRatio] {
            #expect(!Sampler(SamplerConfiguration(kind: kind, ratio: 0)).shouldSample(parent: nil, traceID: TraceID(high: 0, low: traceIDLow)))
            #expect(Sampler(SamplerConfiguration(kind: kind, ratio: 1)).shouldSample(parent: nil, traceID: TraceID(high: 0, low: traceIDLow)))
        }
    }

    /// Ratio 0.5: threshold 2^55; only the low 56 bits of the trace id count.
    @Test(arguments: [
        (UInt64(0x0080_0000_0000_0000), true),
        (0x007F_FFFF_FFFF_FFFF, false),
        (0x00FF_FFFF_FFFF_FFFF, true),
        (0, false),
        (0xFF7F_FFFF_FFFF_FFFF, false),
        (0x0180_0000_0000_0000, true),
    ])
    func halfRatioSplitsAtTwoToTheFiftyFifth(traceIDLow: UInt64, sampled: Bool) {
        let sampler = Sampler(SamplerConfiguration(kind: .parentBasedTraceIDRatio, ratio: 0.5))
        #expect(sampler.rejectionThreshold == RejectionThreshold(value: 0x0080_0000_0000_0000))
        #expect(sampler.shouldSample(parent: nil, traceID: TraceID(high: 0, low: traceIDLow)) == sampled)
    }

    /// Thresholds from the specification's table (tracestate-probability-sampling.md, precision 4).
    @Test(arguments: [
        (0.5, UInt64(0x0080_0000_0000_0000), "8"),
        (0.25, 0x00C0_0000_0000_0000, "c"),
        (0.75, 0x0040_0000_0000_0000, "4"),
        (0.2, 0x00CC_CD00_0000_0000, "cccd"),
        (0.1, 0x00E6_6600_0000_0000, "e666"),
        (1.0 / 3, 0x00AA_AB00_0000_0000, "aaab"),
        (0.01, 0x00FD_70A0_0000_0000, "fd70a"),
        (0.001, 0x00FF_BE77_0000_0000, "ffbe77"),
        (0.0001, 0x00FF_F972_4000_0000, "fff9724"),
        (0.99999, 0x0000_0100_0000_0000, "0001"),
        (0x1p-56, 0x00FF_FFFF_FFFF_FF00, "ffffffffffff"),
        (1e-20, 0x00FF_FFFF_FFFF_FF00, "ffffffffffff"),
        (1.0, 0, "0"),
    ] as [(Double, UInt64, String)])
    func convertsARatioToARejectionThreshold(ratio: Double, threshold: UInt64, encoded: String) {
        let computed = RejectionThreshold(ratio: ratio)
        #expect(computed.value == threshold)
        #expect(computed.traceStateValue == encoded)
    }

    @Test func ratioZeroHasNoEncodableThreshold() {
        #expect(RejectionThreshold(ratio: 0) == .sampleNone)
        #expect(RejectionThreshold(ratio: -1) == .sampleNone)
        #expect(RejectionThreshold.sampleNone.traceStateValue == nil)
        #expect(RejectionThreshold.sampleNone.probability == 0)
        #expect(RejectionThreshold(value: 0x0080_0000_0000_0000).probability == 0.5)
    }

    @Test func aTenthSamplesFromItsThresholdUp() {
        let sampler = Sampler(SamplerConfiguration(kind: .traceIDRatio, ratio: 0.1))
        #expect(sampler.shouldSample(parent: nil, traceID: TraceID(high: 0, low: 0x00E6_6600_0000_0000)))
        #expect(!sampler.shouldSample(parent: nil, traceID: TraceID(high: 0, low: 0x00E6_65FF_FFFF_FFFF)))
    }

    @Test func prefersTheParentsExplicitRandomness() throws {
        let sampler = Sampler(SamplerConfiguration(kind: .traceIDRatio, ratio: 0.5))
        let traceParent = try #require(TraceParent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00"))
        let high = ParentContext(traceParent, traceState: TraceState("ot=rv:80000000000000"))
        let low = ParentContext(traceParent, traceState: TraceState("ot=rv:7fffffffffffff"))
        #expect(high.explicitRandomness == 0x0080_0000_0000_0000)
        #expect(high.isRemote && !high.isSampled)
        // The trace id alone (…0e0e4736, low 56 bits 0xce929d0e0e4736) would be sampled.
        #expect(sampler.shouldSample(parent: nil, traceID: traceParent.traceID))
        #expect(sampler.shouldSample(parent: high, traceID: TraceID(high: 0, low: 0)))
        #expect(!sampler.shouldSample(parent: low, traceID: traceParent.traceID))
    }

    @Test(arguments: [
        (SamplerConfiguration(kind: .alwaysOn), "AlwaysOnSampler"),
        (SamplerConfiguration(kind: .alwaysOff), "AlwaysOffSampler"),
        (SamplerConfiguration(kind: .traceIDRatio, ratio: 0.25), "TraceIdRatioBased{0.25}"),
        (SamplerConfiguration(kind: .parentBasedAlwaysOn), "ParentBased{root=AlwaysOnSampler}"),
        (SamplerConfiguration(kind: .parentBasedTraceIDRatio, ratio: 0.5), "ParentBased{root=TraceIdRatioBased{0.5}}"),
    ])
    func describesItselfAsTheSDKDoes(configuration: SamplerConfiguration, description: String) {
        #expect(Sampler(configuration).description == description)
    }
}
