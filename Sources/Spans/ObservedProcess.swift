/// The process a span was observed in and its OpenTelemetry resource attributes. One instance per
/// process, shared by all its spans (exporters group spans into resources by identity).
public final class ObservedProcess: Sendable {
    public let pid: Int32
    /// The kernel's command name (`comm`, at most 15 bytes).
    public let command: String
    /// `service.name`, `process.pid`, `process.executable.name`, … (see ProcessResolver).
    public let resourceAttributes: [SpanAttribute]

    public init(pid: Int32, command: String, resourceAttributes: [SpanAttribute]) {
        self.pid = pid
        self.command = command
        self.resourceAttributes = resourceAttributes
    }
}
