import TraceContext
import Spans

/// The export path's encoding: spans straight to ExportTraceServiceRequest bytes, every message
/// length computed once, bottom-up. Building the generated messages first (`request(for:)`) costs
/// several allocations per attribute and sizes nested messages again at every level; the bytes
/// written here are the ones the generated code writes for that request (checked by the tests).
extension OTLPRequestEncoder {
    func wireBytes(_ spans: [DatabaseSpan]) -> [UInt8] {
        typealias Writer = ProtobufWriter
        let groups = processGroups(spans)
        let scopeSize = Writer.lengthDelimitedSize(1, length: 4) + Self.versionFieldSize
        var spanSizes: [Int] = []
        spanSizes.reserveCapacity(spans.count)
        var total = 0
        var layouts: [(resource: [SpanAttribute], resourceSize: Int, scopeSpansSize: Int, resourceSpansSize: Int)] = []
        for (process, members) in groups {
            let resource = resourceAttributes(process)
            let resourceSize = Self.attributesSize(resource, field: 1)
            var scopeSpansSize = Writer.lengthDelimitedSize(1, length: scopeSize)
            for span in members {
                let size = Self.spanSize(span)
                spanSizes.append(size)
                scopeSpansSize += Writer.lengthDelimitedSize(2, length: size)
            }
            let resourceSpansSize = Writer.lengthDelimitedSize(1, length: resourceSize) + Writer.lengthDelimitedSize(2, length: scopeSpansSize)
            layouts.append((resource, resourceSize, scopeSpansSize, resourceSpansSize))
            total += Writer.lengthDelimitedSize(1, length: resourceSpansSize)
        }

        var writer = Writer(capacity: total)
        var next = 0
        for ((_, members), layout) in zip(groups, layouts) {
            writer.lengthDelimited(1, length: layout.resourceSpansSize)  // ExportTraceServiceRequest.resource_spans
            writer.lengthDelimited(1, length: layout.resourceSize)  // ResourceSpans.resource
            for attribute in layout.resource { Self.write(attribute, field: 1, to: &writer) }  // Resource.attributes
            writer.lengthDelimited(2, length: layout.scopeSpansSize)  // ResourceSpans.scope_spans
            writer.lengthDelimited(1, length: scopeSize)  // ScopeSpans.scope
            writer.string(1, "tusk")  // InstrumentationScope.name
            if !TuskVersion.current.isEmpty { writer.string(2, TuskVersion.current) }
            for span in members {
                writer.lengthDelimited(2, length: spanSizes[next])  // ScopeSpans.spans
                next += 1
                Self.write(span, to: &writer)
            }
        }
        return writer.bytes
    }

    /// Spans grouped by observed process, in the order the processes first appear.
    func processGroups(_ spans: [DatabaseSpan]) -> [(ObservedProcess, [DatabaseSpan])] {
        var groups: [(ObservedProcess, [DatabaseSpan])] = []
        var index: [ObjectIdentifier: Int] = [:]
        for span in spans {
            let key = ObjectIdentifier(span.process)
            if let at = index[key] {
                groups[at].1.append(span)
            } else {
                index[key] = groups.count
                groups.append((span.process, [span]))
            }
        }
        return groups
    }

    // MARK: Span (trace.proto)

    private static let versionFieldSize = TuskVersion.current.isEmpty ? 0 : ProtobufWriter.lengthDelimitedSize(2, length: TuskVersion.current.utf8.count)

    private static func spanSize(_ span: DatabaseSpan) -> Int {
        typealias Writer = ProtobufWriter
        var size = Writer.lengthDelimitedSize(1, length: 16) + Writer.lengthDelimitedSize(2, length: 8)
        if !span.traceState.isEmpty { size += Writer.lengthDelimitedSize(3, length: span.traceState.utf8.count) }
        if span.parentSpanID != nil { size += Writer.lengthDelimitedSize(4, length: 8) }
        if !span.name.isEmpty { size += Writer.lengthDelimitedSize(5, length: span.name.utf8.count) }
        size += Writer.varintFieldSize(6, kind(span))
        if span.startUnixNanoseconds != 0 { size += 9 }
        if span.endUnixNanoseconds != 0 { size += 9 }
        size += attributesSize(span.ownAttributes, field: 9) + attributesSize(span.connectionAttributes, field: 9)
        if let status = statusSize(span) { size += Writer.lengthDelimitedSize(15, length: status) }
        if flags(span) != 0 { size += Writer.tagSize(16) + 4 }
        return size
    }

    private static func write(_ span: DatabaseSpan, to writer: inout ProtobufWriter) {
        writer.lengthDelimited(1, length: 16)  // trace_id
        writer.bigEndian(span.traceID.high)
        writer.bigEndian(span.traceID.low)
        writer.lengthDelimited(2, length: 8)  // span_id
        writer.bigEndian(span.spanID.value)
        if !span.traceState.isEmpty { writer.string(3, span.traceState) }
        if let parent = span.parentSpanID {
            writer.lengthDelimited(4, length: 8)
            writer.bigEndian(parent.value)
        }
        if !span.name.isEmpty { writer.string(5, span.name) }
        writer.varint(6, kind(span))
        if span.startUnixNanoseconds != 0 { writer.fixed64(7, span.startUnixNanoseconds) }
        if span.endUnixNanoseconds != 0 { writer.fixed64(8, span.endUnixNanoseconds) }
        for attribute in span.ownAttributes { write(attribute, field: 9, to: &writer) }
        for attribute in span.connectionAttributes { write(attribute, field: 9, to: &writer) }
        if let status = statusSize(span), case .error(let message) = span.status {
            writer.lengthDelimited(15, length: status)
            if !message.isEmpty { writer.string(2, message) }  // Status.message
            writer.varint(3, 2)  // Status.code: STATUS_CODE_ERROR
        }
        let flags = flags(span)
        if flags != 0 { writer.fixed32(16, flags) }
    }

    private static func kind(_ span: DatabaseSpan) -> UInt64 {
        span.kind == .server ? 2 : 3  // SPAN_KIND_SERVER, SPAN_KIND_CLIENT
    }

    private static func flags(_ span: DatabaseSpan) -> UInt32 {
        UInt32(span.traceFlags) | hasIsRemote | (span.parentIsRemote ? isRemote : 0)
    }

    /// Only an error has a status message: UNSET is the message's default and is left out.
    private static func statusSize(_ span: DatabaseSpan) -> Int? {
        guard case .error(let message) = span.status else { return nil }
        return (message.isEmpty ? 0 : ProtobufWriter.lengthDelimitedSize(2, length: message.utf8.count)) + ProtobufWriter.varintFieldSize(3, 2)
    }

    // MARK: KeyValue and AnyValue (common.proto)

    private static func attributesSize(_ attributes: [SpanAttribute], field: Int) -> Int {
        attributes.reduce(0) { $0 + ProtobufWriter.lengthDelimitedSize(field, length: keyValueSize($1)) }
    }

    private static func keyValueSize(_ attribute: SpanAttribute) -> Int {
        ProtobufWriter.lengthDelimitedSize(1, length: attribute.key.utf8.count) + ProtobufWriter.lengthDelimitedSize(2, length: anyValueSize(attribute.value))
    }

    private static func anyValueSize(_ value: SpanAttribute.Value) -> Int {
        switch value {
        case .string(let string): return ProtobufWriter.lengthDelimitedSize(1, length: string.utf8.count)
        case .bool: return 2
        case .int(let int): return ProtobufWriter.varintFieldSize(3, UInt64(bitPattern: int))
        case .double: return 9
        case .strings(let strings): return ProtobufWriter.lengthDelimitedSize(5, length: arrayValueSize(strings))
        }
    }

    private static func arrayValueSize(_ strings: [String]) -> Int {
        strings.reduce(0) { $0 + ProtobufWriter.lengthDelimitedSize(1, length: ProtobufWriter.lengthDelimitedSize(1, length: $1.utf8.count)) }
    }

    private static func write(_ attribute: SpanAttribute, field: Int, to writer: inout ProtobufWriter) {
        writer.lengthDelimited(field, length: keyValueSize(attribute))
        writer.string(1, attribute.key)  // KeyValue.key
        writer.lengthDelimited(2, length: anyValueSize(attribute.value))  // KeyValue.value
        switch attribute.value {  // the AnyValue oneof: written even when it holds the default
        case .string(let string): writer.string(1, string)
        case .bool(let bool): writer.varint(2, bool ? 1 : 0)
        case .int(let int): writer.varint(3, UInt64(bitPattern: int))
        case .double(let double): writer.fixed64(4, double.bitPattern)
        case .strings(let strings):
            writer.lengthDelimited(5, length: arrayValueSize(strings))
            for string in strings {
                writer.lengthDelimited(1, length: ProtobufWriter.lengthDelimitedSize(1, length: string.utf8.count))  // ArrayValue.values
                writer.string(1, string)
            }
        }
    }
}
