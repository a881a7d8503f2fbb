import ArgumentParser
import Spans

/// `tusk run` flags for joining the hops of a request on this node (`--side both` only).
struct HopJoinFlags: ParsableArguments {
    @Option(help: ArgumentHelp(
        "With --side both: how long a span waits for the span of the previous hop on this node (a SERVER span for its client's CLIENT span, a pooler's outbound CLIENT span for its inbound SERVER span) before it is emitted as it is, in milliseconds.",
        valueName: "ms"))
    var hopJoinWindow: Int = 1000

    @Option(help: ArgumentHelp("With --side both: spans waiting for their hop parent at once; beyond, a span is emitted at once as it is.", valueName: "n"))
    var hopJoinMaxSpans: Int = HopJoiner.Options.default.maxHeldSpans

    func validate() throws {
        guard (1...60_000).contains(hopJoinWindow) else { throw ValidationError("--hop-join-window must be within 1...60000 ms") }
        guard hopJoinMaxSpans >= 0 else { throw ValidationError("--hop-join-max-spans must not be negative") }
    }

    var options: HopJoiner.Options {
        HopJoiner.Options(windowNanoseconds: UInt64(hopJoinWindow) * 1_000_000, maxHeldSpans: hopJoinMaxSpans)
    }
}
