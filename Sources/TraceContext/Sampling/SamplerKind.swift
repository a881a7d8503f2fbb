// The samplers OTEL_TRACES_SAMPLER can name and Tusk implements.

/// A sampler named by `OTEL_TRACES_SAMPLER` (OpenTelemetry specification,
/// configuration/sdk-environment-variables.md).
public enum SamplerKind: String, Sendable, CaseIterable {
    /// `AlwaysOnSampler`.
    case alwaysOn = "always_on"
    /// `AlwaysOffSampler`.
    case alwaysOff = "always_off"
    /// `TraceIdRatioBased`.
    case traceIDRatio = "traceidratio"
    /// `ParentBased(root=AlwaysOnSampler)`: the default.
    case parentBasedAlwaysOn = "parentbased_always_on"
    /// `ParentBased(root=AlwaysOffSampler)`.
    case parentBasedAlwaysOff = "parentbased_always_off"
    /// `ParentBased(root=TraceIdRatioBased)`.
    case parentBasedTraceIDRatio = "parentbased_traceidratio"

    /// Whether `OTEL_TRACES_SAMPLER_ARG` is this sampler's ratio.
    public var takesRatio: Bool { self == .traceIDRatio || self == .parentBasedTraceIDRatio }

    /// Whether a parent's sampled flag decides, the root sampler deciding only for root spans.
    public var isParentBased: Bool {
        self == .parentBasedAlwaysOn || self == .parentBasedAlwaysOff || self == .parentBasedTraceIDRatio
    }
}
