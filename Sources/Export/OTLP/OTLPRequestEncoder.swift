import TraceContext
import OTLPProto
import Spans
import SwiftProtobuf

/// Spans → one ExportTraceServiceRequest: one ResourceSpans per observed process, one scope
/// (`tusk` and its version). Field numbers are the OTLP specification's (proto/).
public struct OTLPRequestEncoder: Sendable {
    public typealias Request = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest

    /// Span flags: bits 0–7 W3C trace flags; bit 8 "is the parent remote known"; bit 9 "remote".
    static let hasIsRemote: UInt32 = 0x100
    static let isRemote: UInt32 = 0x200

    /// Attributes every resource carries (host.name, OTEL_RESOURCE_ATTRIBUTES…), before the process's own.
    public var sharedResourceAttributes: [SpanAttribute]

    public init(sharedResourceAttributes: [SpanAttribute] = []) {
        self.sharedResourceAttributes = sharedResourceAttributes
    }

    /// The request as generated OTLP messages: the reference `encode(_:)` must match byte for byte.
    public func request(for spans: [DatabaseSpan]) -> Request {
        var request = Request()
        request.resourceSpans = processGroups(spans).map { process, members in
            var resourceSpans = Opentelemetry_Proto_Trace_V1_ResourceSpans()
            resourceSpans.resource.attributes = resourceAttributes(process).map(Self.keyValue)
            var scope = Opentelemetry_Proto_Trace_V1_ScopeSpans()
            scope.scope.name = "tusk"
            scope.scope.version = TuskVersion.current
            scope.spans = members.map(encode)
            resourceSpans.scopeSpans = [scope]
            return resourceSpans
        }
        return request
    }

    /// The body of one export: ExportTraceServiceRequest bytes.
    public func encode(_ spans: [DatabaseSpan]) -> [UInt8] {
        wireBytes(spans)
    }

    /// The process's attributes override the shared ones with the same key.
    package func resourceAttributes(_ process: ObservedProcess) -> [SpanAttribute] {
        let own = Set(process.resourceAttributes.map(\.key))
        return sharedResourceAttributes.filter { !own.contains($0.key) } + process.resourceAttributes
    }

    func encode(_ span: DatabaseSpan) -> Opentelemetry_Proto_Trace_V1_Span {
        var out = Opentelemetry_Proto_Trace_V1_Span()
        out.traceID = span.traceID.data
        out.spanID = span.spanID.data
        if let parent = span.parentSpanID { out.parentSpanID = parent.data }
        out.traceState = span.traceState
        out.name = span.name
        out.kind = span.kind == .server ? .server : .client
        out.startTimeUnixNano = span.startUnixNanoseconds
        out.endTimeUnixNano = span.endUnixNanoseconds
        out.attributes = span.attributes.map(Self.keyValue)
        switch span.status {
        case .unset:
            break
        case .error(let message):
            out.status.code = .error
            out.status.message = message
        }
        out.flags = UInt32(span.traceFlags) | Self.hasIsRemote | (span.parentIsRemote ? Self.isRemote : 0)
        return out
    }

    package static func keyValue(_ attribute: SpanAttribute) -> Opentelemetry_Proto_Common_V1_KeyValue {
        var keyValue = Opentelemetry_Proto_Common_V1_KeyValue()
        keyValue.key = attribute.key
        switch attribute.value {
        case .string(let value): keyValue.value.stringValue = value
        case .int(let value): keyValue.value.intValue = value
        case .bool(let value): keyValue.value.boolValue = value
        case .double(let value): keyValue.value.doubleValue = value
        case .strings(let values):
            keyValue.value.arrayValue.values = values.map {
                var any = Opentelemetry_Proto_Common_V1_AnyValue()
                any.stringValue = $0
                return any
            }
        }
        return keyValue
    }
}
