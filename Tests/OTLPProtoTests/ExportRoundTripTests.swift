// A request carrying every field Tusk sets on a database span survives encoding and decoding.
import Foundation
import OTLPProto
import SwiftProtobuf
import Testing

typealias ExportRequest = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceRequest
typealias ExportResponse = Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse
typealias Span = Opentelemetry_Proto_Trace_V1_Span
typealias KeyValue = Opentelemetry_Proto_Common_V1_KeyValue
typealias AnyValue = Opentelemetry_Proto_Common_V1_AnyValue

extension KeyValue {
    static func string(_ key: String, _ value: String) -> KeyValue {
        .with { $0.key = key; $0.value.stringValue = value }
    }
    static func int(_ key: String, _ value: Int64) -> KeyValue {
        .with { $0.key = key; $0.value.intValue = value }
    }
    static func bool(_ key: String, _ value: Bool) -> KeyValue {
        .with { $0.key = key; $0.value.boolValue = value }
    }
    static func double(_ key: String, _ value: Double) -> KeyValue {
        .with { $0.key = key; $0.value.doubleValue = value }
    }
}

/// A failed query as Tusk reports it: a CLIENT span under a remote parent from sqlcommenter.
let databaseSpan = Span.with {
    $0.traceID = Data([0x4B, 0xF9, 0x2F, 0x35, 0x77, 0xB3, 0x4D, 0xA6, 0xA3, 0xCE, 0x92, 0x9D, 0x0E, 0x0E, 0x47, 0x36])
    $0.spanID = Data([0x00, 0xF0, 0x67, 0xAA, 0x0B, 0xA9, 0x02, 0xB7])
    $0.parentSpanID = Data([0x53, 0x99, 0x5C, 0x3F, 0x42, 0xCD, 0x8A, 0xD8])
    $0.traceState = "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE"
    $0.name = "SELECT users"
    $0.kind = .client
    $0.startTimeUnixNano = 1_764_100_000_123_456_789
    $0.endTimeUnixNano = 1_764_100_000_125_000_000
    $0.attributes = [
        .string("db.system.name", "postgresql"),
        .string("db.namespace", "shop"),
        .string("db.query.text", "SELECT * FROM users WHERE id = $1"),
        .string("db.response.status_code", "42P01"),
        .int("server.port", 5432),
        .int("db.response.returned_rows", 0),
        .bool("tusk.prepared", true),
        .double("tusk.queue.seconds", 0.000_25),
    ]
    $0.status.code = .error
    $0.status.message = "relation \"users\" does not exist"
    $0.flags = 0x301
}

let fullRequest = ExportRequest.with {
    $0.resourceSpans = [
        .with {
            $0.resource.attributes = [.string("service.name", "tusk"), .string("k8s.pod.name", "api-7d9f")]
            $0.scopeSpans = [
                .with {
                    $0.scope.name = "tusk"
                    $0.scope.version = "0.1.0"
                    $0.spans = [databaseSpan]
                }
            ]
        }
    ]
}

@Suite struct ExportRoundTripTests {
    @Test func requestRoundTrips() throws {
        let bytes: [UInt8] = try fullRequest.serializedBytes()
        let decoded = try ExportRequest(serializedBytes: bytes)
        #expect(decoded == fullRequest)

        let span = try #require(decoded.resourceSpans.first?.scopeSpans.first?.spans.first)
        #expect(span.traceID.count == 16)
        #expect(span.spanID.count == 8)
        #expect(span.parentSpanID == databaseSpan.parentSpanID)
        #expect(span.kind == .client)
        #expect(span.startTimeUnixNano == 1_764_100_000_123_456_789)
        #expect(span.flags == 0x301)
        #expect(span.status.code == .error)
        #expect(span.attributes.map(\.key).contains("db.system.name"))
        #expect(span.attributes.first { $0.key == "server.port" }?.value.value == .intValue(5432))
        #expect(span.attributes.first { $0.key == "tusk.prepared" }?.value.value == .boolValue(true))
        #expect(span.attributes.first { $0.key == "tusk.queue.seconds" }?.value.value == .doubleValue(0.000_25))
    }

    /// Fields Tusk never sets stay off the wire (proto3 omits defaults), keeping requests small.
    @Test func defaultsAreOmitted() throws {
        let bytes: [UInt8] = try Span().serializedBytes()
        #expect(bytes.isEmpty)
    }

    /// Bits 8 and 9 of flags say whether the parent is remote; the masks are the spec's values.
    @Test func spanFlagMasks() {
        #expect(Opentelemetry_Proto_Trace_V1_SpanFlags.traceFlagsMask.rawValue == 0xFF)
        #expect(Opentelemetry_Proto_Trace_V1_SpanFlags.contextHasIsRemoteMask.rawValue == 0x100)
        #expect(Opentelemetry_Proto_Trace_V1_SpanFlags.contextIsRemoteMask.rawValue == 0x200)
    }
}
