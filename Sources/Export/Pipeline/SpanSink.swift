import Spans

/// Where the capture reader puts the spans it builds, on its own thread: each span as it is
/// built, then the end of each poll of the ring buffer. One thread calls a sink; it never waits on
/// the network.
public protocol SpanSink: AnyObject {
    /// A span, just built.
    func accept(_ span: consuming DatabaseSpan)
    /// The poll is over: hand on its spans. Returns how many were handed on.
    @discardableResult
    func endPoll() -> Int
    /// Nothing follows (shutdown).
    func finish()
}
