import TraceContext

/// A finished database span, ready for any exporter: OpenTelemetry's span model, nothing
/// PostgreSQL-specific beyond its attributes.
public struct DatabaseSpan: Sendable {
    public enum Kind: Sendable, Equatable {
        /// Observed from the application's side of the connection.
        case client
        /// Observed from the PostgreSQL backend's side.
        case server
    }

    public enum Status: Sendable, Equatable {
        case unset
        case error(message: String)
    }

    public var traceID: TraceID
    public var spanID: SpanID
    public var parentSpanID: SpanID?
    public var traceState: String
    /// W3C trace flags (bit 0 sampled, bit 1 random trace id).
    public var traceFlags: UInt8
    /// The parent came from another process (a sqlcommenter traceparent).
    public var parentIsRemote: Bool
    public var name: String
    public var kind: Kind
    public var startUnixNanoseconds: UInt64
    public var endUnixNanoseconds: UInt64
    public var status: Status
    /// This span's own attributes (statement, status, rows, thread).
    public var ownAttributes: [SpanAttribute]
    /// What every span of its connection shares (database, user, network), held by reference:
    /// one array per connection, not copied into each span.
    public var connectionAttributes: [SpanAttribute]
    /// The process whose connection this was (the span's resource).
    public var process: ObservedProcess
    /// The connection end it was observed at, for joining hops on one node (`HopJoiner`); nil
    /// unless hops are joined.
    public var hop: HopEnd? = nil

    public init(
        traceID: TraceID, spanID: SpanID, parentSpanID: SpanID? = nil, traceState: String = "",
        traceFlags: UInt8 = 0x01, parentIsRemote: Bool = false, name: String, kind: Kind,
        startUnixNanoseconds: UInt64, endUnixNanoseconds: UInt64, status: Status,
        attributes: [SpanAttribute], connectionAttributes: [SpanAttribute] = [], process: ObservedProcess
    ) {
        self.traceID = traceID
        self.spanID = spanID
        self.parentSpanID = parentSpanID
        self.traceState = traceState
        self.traceFlags = traceFlags
        self.parentIsRemote = parentIsRemote
        self.name = name
        self.kind = kind
        self.startUnixNanoseconds = startUnixNanoseconds
        self.endUnixNanoseconds = endUnixNanoseconds
        self.status = status
        self.ownAttributes = attributes
        self.connectionAttributes = connectionAttributes
        self.process = process
    }

    /// Every attribute, in export order: the span's own, then its connection's. Setting replaces
    /// them all. Exporters on the hot path read the two parts instead (no concatenated copy).
    public var attributes: [SpanAttribute] {
        get { connectionAttributes.isEmpty ? ownAttributes : ownAttributes + connectionAttributes }
        set {
            ownAttributes = newValue
            connectionAttributes = []
        }
    }

    /// The value of attribute `key`, if set.
    public subscript(key: String) -> SpanAttribute.Value? {
        (ownAttributes.first { $0.key == key } ?? connectionAttributes.first { $0.key == key })?.value
    }
}
