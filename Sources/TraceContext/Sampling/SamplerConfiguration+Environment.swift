// Reading the sampler configuration from OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, with the
// rules of the OpenTelemetry environment variable specification
// (configuration/sdk-environment-variables.md):
// - an empty value is the same as an unset one;
// - enum values are read case-insensitively;
// - the argument is only read when OTEL_TRACES_SAMPLER is set, and only the ratio samplers take
//   one: a number in 0…1, default 1.0; anything else is logged and otherwise ignored.

extension SamplerConfiguration {
    /// A configuration and the warning its argument raised, if any.
    public struct Parsed: Sendable, Hashable {
        public var configuration: SamplerConfiguration
        public var warning: SamplerArgumentWarning?
    }

    /// The specification's names that need a remote sampling service.
    static let unsupportedNames: Set<String> = ["jaeger_remote", "parentbased_jaeger_remote", "xray"]

    /// Parses a sampler name and argument (the values of the two variables, or of flags).
    public static func parse(sampler: String?, argument: String?) throws(SamplerConfigurationError) -> Parsed {
        let name = trimmed(sampler).lowercased()
        guard !name.isEmpty else { return Parsed(configuration: .default, warning: nil) }
        guard let kind = SamplerKind(rawValue: name) else {
            if unsupportedNames.contains(name) { throw .unsupportedSampler(sampler ?? "") }
            throw .unknownSampler(sampler ?? "")
        }
        guard kind.takesRatio else { return Parsed(configuration: SamplerConfiguration(kind: kind), warning: nil) }

        let text = trimmed(argument)
        guard !text.isEmpty else { return Parsed(configuration: SamplerConfiguration(kind: kind), warning: nil) }
        guard let ratio = Double(text), !ratio.isNaN else {
            return Parsed(
                configuration: SamplerConfiguration(kind: kind),
                warning: SamplerArgumentWarning(argument: argument ?? "", reason: .notANumber))
        }
        guard ratio >= 0 && ratio <= 1 else {
            return Parsed(
                configuration: SamplerConfiguration(kind: kind),
                warning: SamplerArgumentWarning(argument: argument ?? "", reason: .outOfRange))
        }
        return Parsed(configuration: SamplerConfiguration(kind: kind, ratio: ratio), warning: nil)
    }

    /// Parses `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` from an environment.
    public static func parse(environment: [String: String]) throws(SamplerConfigurationError) -> Parsed {
        try parse(sampler: environment["OTEL_TRACES_SAMPLER"], argument: environment["OTEL_TRACES_SAMPLER_ARG"])
    }
}

/// Without the spaces, tabs and line breaks around it.
private func trimmed(_ text: String?) -> Substring {
    var slice = Substring(text ?? "")
    while let first = slice.first, first.isWhitespace { slice.removeFirst() }
    while let last = slice.last, last.isWhitespace { slice.removeLast() }
    return slice
}
