import Export

/// Where the reader thread puts the spans it builds.
enum SpanDestination {
    /// A bounded queue to the export task (OTLP): the reader never waits on the network.
    case queue(SpanQueue)
    /// Printed by the reader thread itself (no OTLP endpoint): a span is built, printed and
    /// freed on one thread, so the reference counts it shares with the query cache and its
    /// connection stay in one core's cache instead of bouncing to the exporter's.
    case console(ConsoleExporter)
}
