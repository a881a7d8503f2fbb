import Testing
@testable import TraceContext

/// OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG, read as the environment specification says.
struct SamplerConfigurationTests {
    @Test(arguments: [(String?.none, String?.none), ("", ""), ("  ", "0.5"), (nil, "0.5")])
    func unsetOrEmptyIsTheDefault(sampler: String?, argument: String?) throws {
        let parsed = try SamplerConfiguration.parse(sampler: sampler, argument: argument)
        #expect(parsed.configuration == SamplerConfiguration(kind: .parentBasedAlwaysOn, ratio: 1.0))
        #expect(parsed.configuration == .default)
        #expect(parsed.warning == nil)
    }

    @Test(arguments: [
        ("always_on", SamplerKind.alwaysOn),
        ("always_off", .alwaysOff),
        ("traceidratio", .traceIDRatio),
        ("parentbased_always_on", .parentBasedAlwaysOn),
        ("parentbased_always_off", .parentBasedAlwaysOff),
        ("parentbased_traceidratio", .parentBasedTraceIDRatio),
        ("TraceIdRatio", .traceIDRatio),
        (" ParentBased_Always_Off\n", .parentBasedAlwaysOff),
    ])
    func readsEachSamplerName(name: String, kind: SamplerKind) throws {
        let parsed = try SamplerConfiguration.parse(sampler: name, argument: nil)
        #expect(parsed.configuration.kind == kind)
        #expect(parsed.configuration.ratio == 1.0)
        #expect(parsed.warning == nil)
    }

    @Test(arguments: ["always", "parentbased", "traceidratio_0.5", "ratio", "none"])
    func rejectsAnUnknownSamplerName(name: String) {
        #expect(throws: SamplerConfigurationError.unknownSampler(name)) {
            try SamplerConfiguration.parse(sampler: name, argument: nil)
        }
    }

    @Test(arguments: ["jaeger_remote", "parentbased_jaeger_remote", "xray", "XRay"])
    func rejectsSamplersThatNeedARemoteService(name: String) {
        #expect(throws: SamplerConfigurationError.unsupportedSampler(name)) {
            try SamplerConfiguration.parse(sampler: name, argument: nil)
        }
    }

    @Test func namesTheValueAndTheChoicesInTheError() {
        let message = SamplerConfigurationError.unknownSampler("alwayson").description
        #expect(message == "OTEL_TRACES_SAMPLER=alwayson is not a known sampler; use one of: always_on, always_off, "
            + "traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio")
    }

    @Test(arguments: [
        ("0.25", 0.25), ("0", 0.0), ("1", 1.0), ("1.0", 1.0), (" 0.5 ", 0.5), ("1e-3", 0.001), ("", 1.0),
    ])
    func readsTheRatio(argument: String, ratio: Double) throws {
        for name in ["traceidratio", "parentbased_traceidratio"] {
            let parsed = try SamplerConfiguration.parse(sampler: name, argument: argument)
            #expect(parsed.configuration.ratio == ratio)
            #expect(parsed.warning == nil)
        }
    }

    @Test(arguments: [
        ("abc", SamplerArgumentWarning.Reason.notANumber),
        ("0,5", .notANumber),
        ("nan", .notANumber),
        ("50%", .notANumber),
        ("1.5", .outOfRange),
        ("-0.1", .outOfRange),
        ("inf", .outOfRange),
    ])
    func anInvalidRatioIsOneWithAWarning(argument: String, reason: SamplerArgumentWarning.Reason) throws {
        let parsed = try SamplerConfiguration.parse(sampler: "parentbased_traceidratio", argument: argument)
        #expect(parsed.configuration == SamplerConfiguration(kind: .parentBasedTraceIDRatio, ratio: 1.0))
        #expect(parsed.warning == SamplerArgumentWarning(argument: argument, reason: reason))
    }

    @Test func theWarningSaysWhatWasIgnored() {
        #expect(SamplerArgumentWarning(argument: "1.5", reason: .outOfRange).description
            == "OTEL_TRACES_SAMPLER_ARG=1.5 is outside 0…1; using 1.0")
        #expect(SamplerArgumentWarning(argument: "x", reason: .notANumber).description
            == "OTEL_TRACES_SAMPLER_ARG=x is not a number; using 1.0")
    }

    @Test func samplersWithoutARatioIgnoreTheArgument() throws {
        let parsed = try SamplerConfiguration.parse(sampler: "always_off", argument: "not a number")
        #expect(parsed.configuration == SamplerConfiguration(kind: .alwaysOff))
        #expect(parsed.warning == nil)
    }

    @Test func readsAnEnvironment() throws {
        let environment = ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.1", "PATH": "/bin"]
        let parsed = try SamplerConfiguration.parse(environment: environment)
        #expect(parsed.configuration == SamplerConfiguration(kind: .traceIDRatio, ratio: 0.1))
        #expect(try SamplerConfiguration.parse(environment: [:]).configuration == .default)
    }

    @Test(arguments: [(-1.0, 0.0), (2.0, 1.0), (Double.nan, 1.0), (0.3, 0.3)])
    func aConfigurationKeepsItsRatioInRange(given: Double, kept: Double) {
        #expect(SamplerConfiguration(kind: .traceIDRatio, ratio: given).ratio == kept)
    }
}
