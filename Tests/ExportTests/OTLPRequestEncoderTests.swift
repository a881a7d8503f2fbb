import TraceContext
import Export
import OTLPProto
import Spans
import SwiftProtobuf
import Testing
import TestSupport

/// Spans → ExportTraceServiceRequest bytes → decoded again: every field Tusk sets survives.
struct OTLPRequestEncoderTests {
    let encoder = OTLPRequestEncoder(sharedResourceAttributes: [.string("host.name", "node-1"), .string("service.name", "shared")])

    func roundTrip(_ spans: [DatabaseSpan]) throws -> OTLPRequestEncoder.Request {
        try OTLPRequestEncoder.Request(serializedBytes: encoder.encode(spans))
    }

    @Test func groupsSpansIntoOneResourcePerProcess() throws {
        let request = try roundTrip([
            SpanFixtures.span(seed: 1), SpanFixtures.span(process: SpanFixtures.worker, seed: 2), SpanFixtures.span(seed: 3),
        ])
        try #require(request.resourceSpans.count == 2)
        let first = request.resourceSpans[0]
        #expect(first.scopeSpans.count == 1)
        #expect(first.scopeSpans[0].scope.name == "tusk")
        #expect(first.scopeSpans[0].scope.version == TuskVersion.current)
        #expect(first.scopeSpans[0].spans.count == 2)
        #expect(request.resourceSpans[1].scopeSpans[0].spans.count == 1)
        let resource = Dictionary(uniqueKeysWithValues: first.resource.attributes.map { ($0.key, $0.value) })
        // the process's own service.name wins over the shared one
        #expect(resource["service.name"]?.stringValue == "checkout")
        #expect(resource["host.name"]?.stringValue == "node-1")
        #expect(resource["process.pid"]?.intValue == 4242)
    }

    @Test func everySpanFieldSurvives() throws {
        let span = SpanFixtures.span(error: "42P01", seed: 9)
        let decoded = try roundTrip([span]).resourceSpans[0].scopeSpans[0].spans[0]
        #expect([UInt8](decoded.traceID) == span.traceID.bytes)
        #expect(decoded.traceID.count == 16)
        #expect([UInt8](decoded.spanID) == span.spanID.bytes)
        #expect([UInt8](decoded.parentSpanID) == span.parentSpanID!.bytes)
        #expect(decoded.traceState == "vendor=abc")
        #expect(decoded.name == "SELECT orders")
        #expect(decoded.kind == .client)
        #expect(decoded.startTimeUnixNano == span.startUnixNanoseconds)
        #expect(decoded.endTimeUnixNano == span.endUnixNanoseconds)
        #expect(decoded.status.code == .error)
        #expect(decoded.status.message == "failed: 42P01")
        // sampled, parent is-remote known, parent remote
        #expect(decoded.flags == 0x301)
        let attributes = Dictionary(uniqueKeysWithValues: decoded.attributes.map { ($0.key, $0.value) })
        #expect(attributes["db.query.text"]?.stringValue == "SELECT * FROM orders WHERE id = $1")
        #expect(attributes["server.port"]?.intValue == 5432)
        #expect(attributes["tusk.query.truncated"]?.boolValue == false)
        #expect(attributes["ratio"]?.doubleValue == 0.5)
        #expect(attributes["db.response.status_code"]?.stringValue == "42P01")
    }

    @Test func aRootSpanHasNoParentAndAnUnsetStatus() throws {
        var span = SpanFixtures.span()
        span.parentSpanID = nil
        span.parentIsRemote = false
        span.traceFlags = 0x03
        let decoded = try roundTrip([span]).resourceSpans[0].scopeSpans[0].spans[0]
        #expect(decoded.parentSpanID.isEmpty)
        #expect(decoded.status.code == .unset)
        #expect(decoded.flags == 0x103)
    }

    @Test func serverSpansAreKindServer() throws {
        var span = SpanFixtures.span()
        span.kind = .server
        #expect(try roundTrip([span]).resourceSpans[0].scopeSpans[0].spans[0].kind == .server)
    }

    // MARK: the direct writer against the generated messages

    /// Spans that reach every branch of the writer: each value type, defaults a oneof still
    /// writes, lengths needing one, two and three varint bytes, negative ints, non-ASCII text.
    static var awkwardSpans: [DatabaseSpan] {
        var root = SpanFixtures.span(seed: 3)
        root.parentSpanID = nil
        root.parentIsRemote = false
        root.traceState = ""
        root.traceFlags = 0
        root.kind = .server
        root.name = ""
        root.status = .error(message: "")
        root.attributes = [
            .string("empty", ""), .int("zero", 0), .int("negative", -1), .int("max", .max), .int("min", .min),
            .bool("false", false), .bool("true", true), SpanAttribute("nan", .double(.nan)), SpanAttribute("zero.double", .double(0)),
            SpanAttribute("db.query.parameters", .strings([])), SpanAttribute("list", .strings(["", "ä", "x"])),
            .string("db.query.text", "SELECT 'ünïcødé ✓' -- " + String(repeating: "x", count: 200)),
            .string("long", String(repeating: "y", count: 20_000)),
        ]
        var clockless = SpanFixtures.span(process: SpanFixtures.worker, seed: 4)
        clockless.startUnixNanoseconds = 0
        clockless.endUnixNanoseconds = 0
        clockless.status = .error(message: String(repeating: "e", count: 130))
        let bare = ObservedProcess(pid: 1, command: "bare", resourceAttributes: [])
        var nothing = SpanFixtures.span(process: bare, seed: 5)
        nothing.attributes = []
        // the builder's shape: the connection's attributes held apart from the span's own
        var pooled = SpanFixtures.span(seed: 1006)
        pooled.connectionAttributes = [.string("db.namespace", "pool"), .int("server.port", 6432), .string("network.transport", "tcp")]
        var connectionOnly = SpanFixtures.span(seed: 1007)
        connectionOnly.ownAttributes = []
        connectionOnly.connectionAttributes = [.string("network.transport", "unix")]
        return [SpanFixtures.span(seed: 1), root, SpanFixtures.span(error: "23505", seed: 2), clockless, nothing, pooled, connectionOnly]
            + (6..<300).map { SpanFixtures.span(process: $0 % 2 == 0 ? SpanFixtures.psql : SpanFixtures.worker, seed: UInt64($0)) }
    }

    @Test(arguments: [0, 1, 2, 5, 300])
    func theWriterWritesTheBytesTheGeneratedCodeWrites(count: Int) throws {
        let spans = Array(Self.awkwardSpans.prefix(count))
        let reference: [UInt8] = try encoder.request(for: spans).serializedBytes()
        let written = encoder.encode(spans)
        #expect(written.count == reference.count)
        #expect(written == reference)
    }

    @Test func anEncoderWithoutSharedAttributesStillWritesEveryResource() throws {
        let bare = OTLPRequestEncoder()
        let spans = Self.awkwardSpans
        let reference: [UInt8] = try bare.request(for: spans).serializedBytes()
        #expect(bare.encode(spans) == reference)
        #expect(try OTLPRequestEncoder.Request(serializedBytes: bare.encode(spans)).resourceSpans.count == 3)
    }
}
