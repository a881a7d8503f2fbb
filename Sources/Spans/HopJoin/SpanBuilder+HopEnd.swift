// What the span builder hands the hop joiner: the statement's bytes as they travelled, and the
// span with its connection end attached.

extension SpanBuilder.Text {
    /// The statement's bytes as the request carried them (a comment included), when known.
    var knownBytes: ArraySlice<UInt8>? {
        guard case .known(let bytes, _, _) = self else { return nil }
        return bytes
    }
}

extension DatabaseSpan {
    func withHop(_ hop: HopEnd) -> DatabaseSpan {
        var span = self
        span.hop = hop
        return span
    }
}
