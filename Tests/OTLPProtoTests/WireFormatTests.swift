// Exact bytes of OTLP messages, computed by hand from the field numbers and wire types of the OTLP
// specification, so a wrong number or type in proto/ fails here rather than at a collector.
// A tag byte is (field number << 3) | wire type; wire types: 0 varint, 1 fixed64, 2 length-delimited,
// 5 fixed32. Integers in fixed fields are little-endian. https://protobuf.dev/programming-guides/encoding/
import Foundation
import OTLPProto
import SwiftProtobuf
import Testing

/// One message with a single field set, and the bytes it must encode to.
struct WireCase<Message: SwiftProtobuf.Message & Sendable>: Sendable, CustomTestStringConvertible {
    let field: String
    let message: Message
    let bytes: [UInt8]
    var testDescription: String { field }

    init(_ field: String, _ bytes: [UInt8], _ set: (inout Message) -> Void) {
        var message = Message()
        set(&message)
        self.field = field
        self.message = message
        self.bytes = bytes
    }
}

func encoded(_ message: some SwiftProtobuf.Message) throws -> [UInt8] {
    try message.serializedBytes()
}

let spanCases: [WireCase<Span>] = [
    // 1 trace_id, bytes: 0x0A, length 16
    WireCase("trace_id", [0x0A, 0x10] + Array(0x01...0x10)) { $0.traceID = Data(0x01...0x10) },
    // 2 span_id, bytes: 0x12, length 8
    WireCase("span_id", [0x12, 0x08] + Array(0xA1...0xA8)) { $0.spanID = Data(0xA1...0xA8) },
    // 3 trace_state, string: 0x1A, "a=b"
    WireCase("trace_state", [0x1A, 0x03, 0x61, 0x3D, 0x62]) { $0.traceState = "a=b" },
    // 4 parent_span_id, bytes: 0x22, length 8
    WireCase("parent_span_id", [0x22, 0x08] + Array(0xB1...0xB8)) { $0.parentSpanID = Data(0xB1...0xB8) },
    // 5 name, string: 0x2A, "SELECT"
    WireCase("name", [0x2A, 0x06, 0x53, 0x45, 0x4C, 0x45, 0x43, 0x54]) { $0.name = "SELECT" },
    // 6 kind, enum varint: 0x30, CLIENT = 3
    WireCase("kind", [0x30, 0x03]) { $0.kind = .client },
    // 7 start_time_unix_nano, fixed64: 0x39, then 8 bytes little-endian
    WireCase("start_time_unix_nano", [0x39, 0x08, 0x07, 0x06, 0x05, 0x04, 0x03, 0x02, 0x01]) {
        $0.startTimeUnixNano = 0x0102_0304_0506_0708
    },
    // 8 end_time_unix_nano, fixed64: 0x41
    WireCase("end_time_unix_nano", [0x41, 0x18, 0x17, 0x16, 0x15, 0x14, 0x13, 0x12, 0x11]) {
        $0.endTimeUnixNano = 0x1112_1314_1516_1718
    },
    // 9 attributes, KeyValue: 0x4A, length 8 { key 0x0A "k", value 0x12 length 3 { string_value 0x0A "v" } }
    WireCase("attributes", [0x4A, 0x08, 0x0A, 0x01, 0x6B, 0x12, 0x03, 0x0A, 0x01, 0x76]) {
        $0.attributes = [.string("k", "v")]
    },
    // 10 dropped_attributes_count, uint32 varint: 0x50
    WireCase("dropped_attributes_count", [0x50, 0x03]) { $0.droppedAttributesCount = 3 },
    // 15 status, Status: 0x7A, length 8 { message 0x12 "boom", code 0x18 ERROR = 2 }
    WireCase("status", [0x7A, 0x08, 0x12, 0x04, 0x62, 0x6F, 0x6F, 0x6D, 0x18, 0x02]) {
        $0.status.message = "boom"
        $0.status.code = .error
    },
    // 16 flags, fixed32: tag 133 needs two varint bytes 0x85 0x01; 0x301 = sampled + parent is remote (known)
    WireCase("flags", [0x85, 0x01, 0x01, 0x03, 0x00, 0x00]) { $0.flags = 0x301 },
]

let anyValueCases: [WireCase<AnyValue>] = [
    // 1 string_value: 0x0A
    WireCase("string_value", [0x0A, 0x01, 0x76]) { $0.stringValue = "v" },
    // 2 bool_value, varint: 0x10
    WireCase("bool_value", [0x10, 0x01]) { $0.boolValue = true },
    // 3 int_value, int64 varint: 0x18; 5432 = 0b101010_0111000 -> 0xB8 0x2A
    WireCase("int_value", [0x18, 0xB8, 0x2A]) { $0.intValue = 5432 },
    // a negative int64 takes ten varint bytes
    WireCase("int_value negative", [0x18] + Array(repeating: 0xFF, count: 9) + [0x01]) { $0.intValue = -1 },
    // 4 double_value, fixed64: 0x21; 1.5 = 0x3FF8000000000000
    WireCase("double_value", [0x21, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F]) { $0.doubleValue = 1.5 },
    // 5 array_value: 0x2A, length 4 { values 0x0A length 2 { int_value 0x18 1 } }
    WireCase("array_value", [0x2A, 0x04, 0x0A, 0x02, 0x18, 0x01]) {
        $0.arrayValue.values = [AnyValue.with { $0.intValue = 1 }]
    },
    // 7 bytes_value: 0x3A
    WireCase("bytes_value", [0x3A, 0x02, 0xDE, 0xAD]) { $0.bytesValue = Data([0xDE, 0xAD]) },
]

@Suite struct WireFormatTests {
    @Test(arguments: spanCases)
    func spanField(_ wire: WireCase<Span>) throws {
        #expect(try encoded(wire.message) == wire.bytes)
        #expect(try Span(serializedBytes: wire.bytes) == wire.message)
    }

    @Test(arguments: anyValueCases)
    func anyValueField(_ wire: WireCase<AnyValue>) throws {
        #expect(try encoded(wire.message) == wire.bytes)
        #expect(try AnyValue(serializedBytes: wire.bytes) == wire.message)
    }

    /// The nesting from the request down to a span: every container's field number on the path.
    @Test func requestEnvelope() throws {
        let request = ExportRequest.with {
            $0.resourceSpans = [
                .with {
                    $0.resource.attributes = [.string("k", "v")]
                    $0.scopeSpans = [
                        .with {
                            $0.scope.name = "t"
                            $0.scope.version = "1"
                            $0.spans = [.with { $0.name = "q" }]
                            $0.schemaURL = "s"
                        }
                    ]
                }
            ]
        }
        let expected: [UInt8] = [
            0x0A, 0x1E,  // ExportTraceServiceRequest.resource_spans (1), length 30
            0x0A, 0x0A,  //   ResourceSpans.resource (1), length 10
            0x0A, 0x08,  //     Resource.attributes (1), length 8
            0x0A, 0x01, 0x6B, 0x12, 0x03, 0x0A, 0x01, 0x76,  // key "k", value { string_value "v" }
            0x12, 0x10,  //   ResourceSpans.scope_spans (2), length 16
            0x0A, 0x06,  //     ScopeSpans.scope (1), length 6
            0x0A, 0x01, 0x74,  //   InstrumentationScope.name (1) "t"
            0x12, 0x01, 0x31,  //   InstrumentationScope.version (2) "1"
            0x12, 0x03,  //     ScopeSpans.spans (2), length 3
            0x2A, 0x01, 0x71,  //   Span.name (5) "q"
            0x1A, 0x01, 0x73,  //     ScopeSpans.schema_url (3) "s"
        ]
        #expect(try encoded(request) == expected)
    }

    @Test func partialSuccessResponse() throws {
        let body: [UInt8] = [
            0x0A, 0x08,  // ExportTraceServiceResponse.partial_success (1), length 8
            0x08, 0x02,  //   rejected_spans (1), varint 2
            0x12, 0x04, 0x66, 0x75, 0x6C, 0x6C,  // error_message (2) "full"
        ]
        let response = try ExportResponse(serializedBytes: body)
        #expect(response.hasPartialSuccess)
        #expect(response.partialSuccess.rejectedSpans == 2)
        #expect(response.partialSuccess.errorMessage == "full")
    }

    /// Full success is an empty body (partial_success unset).
    @Test func emptyResponse() throws {
        let response = try ExportResponse(serializedBytes: [UInt8]())
        #expect(!response.hasPartialSuccess)
    }
}
