// Which sampler decides whether Tusk's spans are sampled, and with which ratio.

/// The sampler and its ratio, as `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` set them.
public struct SamplerConfiguration: Sendable, Hashable {
    /// The sampler. Flag `--traces-sampler`, environment `OTEL_TRACES_SAMPLER`, default
    /// `parentbased_always_on`.
    public var kind: SamplerKind
    /// The sampling probability of the ratio samplers, 0…1; unused by the others. Flag
    /// `--traces-sampler-arg`, environment `OTEL_TRACES_SAMPLER_ARG`, default 1.0.
    public var ratio: Double

    public static let `default` = SamplerConfiguration(kind: .parentBasedAlwaysOn, ratio: 1.0)

    /// A configuration; a ratio outside 0…1 is clamped into it, NaN taken as 1.0.
    public init(kind: SamplerKind, ratio: Double = 1.0) {
        self.kind = kind
        self.ratio = ratio.isNaN ? 1.0 : min(max(ratio, 0), 1)
    }
}
