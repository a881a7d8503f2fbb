import Export
import OTLPProto
import QueryText
import Spans
import SwiftProtobuf
import Testing

@testable import OperationMetrics

/// The OTLP request: one resource per process (as for its spans), the conventions' names and
/// units, explicit-bucket histograms with the temporality asked for.
struct OTLPMetricsEncoderTests {
    static let process = ObservedProcess(
        pid: 42, command: "psql", resourceAttributes: [.string("service.name", "checkout"), .int("process.pid", 42)])

    static func request(delta: Bool) throws -> Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceRequest {
        let metrics = OperationMetrics()
        metrics.observe(
            ObservedOperation(
                kind: .client, durationNanoseconds: 3_000_000, endNanoseconds: 1, returnedRows: 7,
                analysis: QueryAnalysis(text: nil, summary: "SELECT orders", operation: "SELECT", collection: "orders"),
                target: ConnectionTarget(namespace: "shop", serverAddress: "db", serverPort: 5432), process: process))
        metrics.observe(
            ObservedOperation(
                kind: .server, durationNanoseconds: 1_000_000, endNanoseconds: 1,
                analysis: QueryAnalysis(text: nil, summary: "SELECT orders"), statusCode: "42P01", errorType: "42P01",
                target: ConnectionTarget(namespace: nil, serverAddress: nil, serverPort: nil), process: process))
        let encoder = OTLPMetricsEncoder(
            resources: OTLPRequestEncoder(sharedResourceAttributes: [.string("host.name", "node-1")]), options: metrics.options)
        let bytes = try encoder.request(metrics.collect(delta: delta, nowMonotonic: 2), delta: delta).serializedBytes() as [UInt8]
        return try .init(serializedBytes: bytes)
    }

    @Test func namesUnitsBucketsAndAttributes() throws {
        let request = try Self.request(delta: false)
        let resource = try #require(request.resourceMetrics.first)
        #expect(request.resourceMetrics.count == 1)
        #expect(resource.resource.attributes.map(\.key) == ["host.name", "service.name", "process.pid"])
        let scope = try #require(resource.scopeMetrics.first)
        #expect(scope.scope.name == "tusk")
        #expect(scope.metrics.map(\.name) == ["db.client.operation.duration", "db.client.response.returned_rows", "tusk.db.server.operation.duration"])
        #expect(scope.metrics.map(\.unit) == ["s", "{row}", "s"])
        let duration = scope.metrics[0].histogram
        #expect(duration.aggregationTemporality == .cumulative)
        let point = try #require(duration.dataPoints.first)
        #expect(point.explicitBounds == OperationMetricsOptions.defaultDurationBuckets)
        #expect(point.bucketCounts == [0, 1, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(point.count == 1 && abs(point.sum - 0.003) < 1e-12 && point.hasMin && point.hasMax)
        #expect(point.attributes.map(\.key) == [
            "db.system.name", "db.namespace", "db.operation.name", "db.collection.name", "db.query.summary", "server.address", "server.port",
        ])
        #expect(point.attributes.last?.value.intValue == 5432)
        #expect(point.startTimeUnixNano > 0 && point.timeUnixNano >= point.startTimeUnixNano)
        #expect(scope.metrics[1].histogram.dataPoints.first?.sum == 7)
        let server = try #require(scope.metrics[2].histogram.dataPoints.first)
        #expect(server.attributes.contains { $0.key == "error.type" && $0.value.stringValue == "42P01" })
    }

    @Test func deltaPointsSayDeltaAndCarryNoExtremes() throws {
        let request = try Self.request(delta: true)
        let histogram = try #require(request.resourceMetrics.first?.scopeMetrics.first?.metrics.first?.histogram)
        #expect(histogram.aggregationTemporality == .delta)
        #expect(histogram.dataPoints.first.map { !$0.hasMin && !$0.hasMax } == true)
    }
}
