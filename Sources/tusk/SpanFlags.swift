import ArgumentParser
import QueryText
import Spans
import TraceContext

/// `tusk run` flags for what spans carry and which are kept.
struct SpanFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "db.query.text: sanitized (every literal becomes ?), raw (literals kept; opt-in) or off.",
        valueName: "mode"))
    var queryText: QueryTextMode = .sanitized

    @Option(help: ArgumentHelp("Longest db.query.text exported, in bytes, cut at a token boundary.", valueName: "n"))
    var maxQueryLength: Int = 2048

    @Option(help: ArgumentHelp(
        "always_on, always_off, traceidratio, parentbased_always_on, parentbased_always_off or parentbased_traceidratio. A sqlcommenter traceparent in the query is the parent. Env: OTEL_TRACES_SAMPLER. Default: parentbased_always_on.",
        valueName: "sampler"))
    var sampler: String?

    @Option(help: ArgumentHelp("Ratio (0…1) for the traceidratio samplers. Env: OTEL_TRACES_SAMPLER_ARG. Default: 1.0.", valueName: "ratio"))
    var samplerArg: String?

    /// Sampler from the flags, else the environment; warnings to log.
    func samplerConfiguration(environment: [String: String]) throws -> (SamplerConfiguration, [String]) {
        let parsed: SamplerConfiguration.Parsed
        do {
            if sampler != nil || samplerArg != nil {
                parsed = try SamplerConfiguration.parse(
                    sampler: sampler ?? environment["OTEL_TRACES_SAMPLER"],
                    argument: samplerArg ?? environment["OTEL_TRACES_SAMPLER_ARG"])
            } else {
                parsed = try SamplerConfiguration.parse(environment: environment)
            }
        } catch {
            throw ValidationError("\(error)")
        }
        return (parsed.configuration, parsed.warning.map { ["\($0)"] } ?? [])
    }

    func builderOptions(sampler: SamplerConfiguration) -> SpanBuilder.Options {
        var options = SpanBuilder.Options.default
        options.queryText = queryText
        options.maxQueryLength = maxQueryLength
        options.sampler = sampler
        return options
    }
}

extension QueryTextMode: ExpressibleByArgument {}
