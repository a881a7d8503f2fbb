// A sampler argument that was ignored, for the caller to log.

/// `OTEL_TRACES_SAMPLER_ARG` was not a ratio in 0…1, so 1.0 is used instead (the specification:
/// invalid input "MUST be logged and MUST be otherwise ignored").
public struct SamplerArgumentWarning: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: Sendable, Hashable {
        case notANumber
        case outOfRange
    }

    /// The value as given.
    public var argument: String
    public var reason: Reason

    public init(argument: String, reason: Reason) {
        self.argument = argument
        self.reason = reason
    }

    public var description: String {
        switch reason {
        case .notANumber: return "OTEL_TRACES_SAMPLER_ARG=\(argument) is not a number; using 1.0"
        case .outOfRange: return "OTEL_TRACES_SAMPLER_ARG=\(argument) is outside 0…1; using 1.0"
        }
    }
}
