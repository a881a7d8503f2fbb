// What a sampler needs to know about the span's parent.

/// The parent of a span about to be created, as a sampler sees it.
public struct ParentContext: Sendable, Hashable {
    /// The parent's sampled flag.
    public var isSampled: Bool
    /// The parent lives in another process (it came with the statement, in a traceparent).
    public var isRemote: Bool
    /// The OpenTelemetry `rv` from the parent's tracestate, read instead of trace id randomness.
    public var explicitRandomness: UInt64?

    public init(isSampled: Bool, isRemote: Bool, explicitRandomness: UInt64? = nil) {
        self.isSampled = isSampled
        self.isRemote = isRemote
        self.explicitRandomness = explicitRandomness
    }

    /// The parent a traceparent (and tracestate) describe; remote unless said otherwise, since a
    /// traceparent found in a statement was written by the client process.
    public init(_ traceParent: TraceParent, traceState: TraceState? = nil, isRemote: Bool = true) {
        self.init(
            isSampled: traceParent.isSampled, isRemote: isRemote,
            explicitRandomness: traceState?.explicitRandomness)
    }
}
