import TraceContext
import Spans

/// One span as a single-line JSON object (`tusk run --console-format json`), for machines:
/// `{"start_unix_nano":…,"end_unix_nano":…,"pid":…,"command":"psql","name":"SELECT …","kind":"client",
///   "status":"unset"|"error","status_message":"…","trace_id":"…","span_id":"…","parent_span_id":"…",
///   "attributes":{"db.system.name":"postgresql",…},"resource":{"service.name":"…","process.pid":…,…}}`
/// The resource is the one an OTLP export would send with the span.
public enum JSONLine {
    /// `resource`: the span's resource as a JSON object (see `object(_:)`), made once per process.
    public static func append(_ span: DatabaseSpan, resource: [UInt8], to out: inout [UInt8]) {
        out.append(contentsOf: "{\"start_unix_nano\":".utf8)
        ConsoleLine.appendDecimal(span.startUnixNanoseconds, to: &out)
        out.append(contentsOf: ",\"end_unix_nano\":".utf8)
        ConsoleLine.appendDecimal(span.endUnixNanoseconds, to: &out)
        out.append(contentsOf: ",\"pid\":".utf8)
        ConsoleLine.appendDecimal(UInt64(span.process.pid), to: &out)
        out.append(contentsOf: ",\"command\":".utf8)
        appendString(span.process.command, to: &out)
        out.append(contentsOf: ",\"name\":".utf8)
        appendString(span.name, to: &out)
        out.append(contentsOf: span.kind == .server ? ",\"kind\":\"server\"".utf8 : ",\"kind\":\"client\"".utf8)
        switch span.status {
        case .unset:
            out.append(contentsOf: ",\"status\":\"unset\"".utf8)
        case .error(let message):
            out.append(contentsOf: ",\"status\":\"error\",\"status_message\":".utf8)
            appendString(message, to: &out)
        }
        out.append(contentsOf: ",\"trace_id\":\"".utf8)
        out.append(contentsOf: span.traceID.hex.utf8)
        out.append(contentsOf: "\",\"span_id\":\"".utf8)
        out.append(contentsOf: span.spanID.hex.utf8)
        out.append(UInt8(ascii: "\""))
        if let parent = span.parentSpanID {
            out.append(contentsOf: ",\"parent_span_id\":\"".utf8)
            out.append(contentsOf: parent.hex.utf8)
            out.append(UInt8(ascii: "\""))
        }
        out.append(contentsOf: ",\"attributes\":".utf8)
        appendObject(span.attributes, to: &out)
        out.append(contentsOf: ",\"resource\":".utf8)
        out.append(contentsOf: resource)
        out.append(contentsOf: "}\n".utf8)
    }

    /// `attributes` as one JSON object.
    public static func object(_ attributes: [SpanAttribute]) -> [UInt8] {
        var out: [UInt8] = []
        appendObject(attributes, to: &out)
        return out
    }

    private static func appendObject(_ attributes: [SpanAttribute], to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        for (index, attribute) in attributes.enumerated() {
            if index > 0 { out.append(UInt8(ascii: ",")) }
            appendString(attribute.key, to: &out)
            out.append(UInt8(ascii: ":"))
            appendValue(attribute.value, to: &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    private static func appendValue(_ value: SpanAttribute.Value, to out: inout [UInt8]) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .int(let number): out.append(contentsOf: String(number).utf8)
        case .bool(let flag): out.append(contentsOf: (flag ? "true" : "false").utf8)
        case .double(let number): out.append(contentsOf: (number.isFinite ? String(number) : "null").utf8)
        case .strings(let texts):
            out.append(UInt8(ascii: "["))
            for (index, text) in texts.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(text, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        }
    }

    /// A JSON string literal (RFC 8259 escaping).
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: "\\\"".utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: "\\\\".utf8)
            case 0x0a: out.append(contentsOf: "\\n".utf8)
            case 0x0d: out.append(contentsOf: "\\r".utf8)
            case 0x09: out.append(contentsOf: "\\t".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: "\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0xf)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
