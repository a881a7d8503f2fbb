// Why a sampler name from the environment or a flag cannot be used.

/// An `OTEL_TRACES_SAMPLER` value Tusk cannot honour. The OpenTelemetry environment specification
/// asks to warn and keep the default; the caller decides, with the offending value in hand.
public enum SamplerConfigurationError: Error, Hashable, CustomStringConvertible {
    /// Not a sampler name the specification knows.
    case unknownSampler(String)
    /// A sampler the specification knows but Tusk does not implement (`jaeger_remote`,
    /// `parentbased_jaeger_remote`, `xray`): they need a remote sampling service.
    case unsupportedSampler(String)

    public var description: String {
        let known = SamplerKind.allCases.map(\.rawValue).joined(separator: ", ")
        switch self {
        case .unknownSampler(let name):
            return "OTEL_TRACES_SAMPLER=\(name) is not a known sampler; use one of: \(known)"
        case .unsupportedSampler(let name):
            return "OTEL_TRACES_SAMPLER=\(name) needs a remote sampling service Tusk does not support; "
                + "use one of: \(known)"
        }
    }
}
