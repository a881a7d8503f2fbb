import Spans

/// Where finished spans go. Implementations own their transport; they know nothing of PostgreSQL.
public protocol SpanExporter: Sendable {
    /// Exports one batch. Called by one task at a time: exports never overlap.
    func export(_ spans: [DatabaseSpan]) async
    /// Pushes out anything the exporter itself buffers.
    func forceFlush() async
    /// Releases the transport; no export follows.
    func shutdown() async
}
