import TraceContext

/// A span inside the hop joiner: held until its chain's root decides its trace, then kept a while
/// (without the span) as a parent a late child can still find.
final class HopNode {
    /// What a chain's root hands down to every span under it.
    struct Chain {
        var traceID: TraceID
        var traceState: String
        var traceFlags: UInt8
        var sampled: Bool { traceFlags & 0x01 != 0 }
    }

    let end: HopEnd
    let spanID: SpanID
    /// CLOCK_MONOTONIC when the joiner received it.
    let arrival: UInt64
    /// Until it is emitted (or dropped by its root's sampling decision).
    var span: DatabaseSpan?
    /// Its hop child: the SERVER span of a CLIENT span's request, or the outbound CLIENT span a
    /// proxy's SERVER span led to. One each: a hop forwards one request.
    var child: HopNode?
    var hasParent = false
    /// Counted among the joiner's held spans: waiting for a parent, or for its parent's chain.
    var held = false
    /// Set once the chain's root is known.
    var chain: Chain?
    /// In the candidate lists (as a parent, or as a child waiting for one).
    var listedAsParent = false
    var listedAsChild = false

    init(span: DatabaseSpan, end: HopEnd, arrival: UInt64) {
        self.span = span
        self.end = end
        self.spanID = span.spanID
        self.arrival = arrival
    }
}
