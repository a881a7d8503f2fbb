// The sampling decision for each span Tusk creates, as the OpenTelemetry SDK's built-in samplers
// make it (trace/sdk.md "Built-in samplers").
//
//   AlwaysOn            sample
//   AlwaysOff           drop
//   TraceIdRatioBased   sample when randomness ≥ rejection threshold (see RejectionThreshold);
//                       the parent's sampled flag is ignored
//   ParentBased(root)   no parent        → root sampler
//                       remote, sampled  → sample    (remoteParentSampled = AlwaysOn)
//                       remote, not      → drop      (remoteParentNotSampled = AlwaysOff)
//                       local, sampled   → sample    (localParentSampled = AlwaysOn)
//                       local, not       → drop      (localParentNotSampled = AlwaysOff)

/// Decides whether a span is sampled.
public struct Sampler: Sendable, Hashable, CustomStringConvertible {
    public let configuration: SamplerConfiguration
    /// The trace-id-ratio threshold; nil for the samplers without a ratio.
    public let rejectionThreshold: RejectionThreshold?

    public init(_ configuration: SamplerConfiguration) {
        self.configuration = configuration
        rejectionThreshold = configuration.kind.takesRatio ? RejectionThreshold(ratio: configuration.ratio) : nil
    }

    /// Whether to sample a span of the trace `traceID` (only the low 56 bits of its `low` half are
    /// read), with `parent` nil for a root span.
    public func shouldSample(parent: ParentContext?, traceID: TraceID) -> Bool {
        if let parent, configuration.kind.isParentBased {
            return parent.isSampled
        }
        switch configuration.kind {
        case .alwaysOn, .parentBasedAlwaysOn:
            return true
        case .alwaysOff, .parentBasedAlwaysOff:
            return false
        case .traceIDRatio, .parentBasedTraceIDRatio:
            let threshold = rejectionThreshold ?? .sampleAll
            return threshold.samples(randomness: parent?.explicitRandomness ?? traceID.low)
        }
    }

    /// The SDK's description: `AlwaysOnSampler`, `AlwaysOffSampler`, `TraceIdRatioBased{0.25}`,
    /// `ParentBased{root=…}`.
    public var description: String {
        let root: String
        switch configuration.kind {
        case .alwaysOn, .parentBasedAlwaysOn: root = "AlwaysOnSampler"
        case .alwaysOff, .parentBasedAlwaysOff: root = "AlwaysOffSampler"
        case .traceIDRatio, .parentBasedTraceIDRatio: root = "TraceIdRatioBased{\(configuration.ratio)}"
        }
        return configuration.kind.isParentBased ? "ParentBased{root=\(root)}" : root
    }
}
