import QueryText
import Spans
import Testing

@testable import OperationMetrics

/// The Prometheus text: OpenTelemetry's names mapped the way its Prometheus exporters map them,
/// cumulative buckets, escaped label values, one service per label set.
struct PrometheusExpositionTests {
    static func process(_ pid: Int32, _ service: String) -> ObservedProcess {
        ObservedProcess(pid: pid, command: "app", resourceAttributes: [.string("service.name", service)])
    }

    @Test func histogramsAreCumulativeOverTheirBoundsPerService() {
        let metrics = OperationMetrics()
        let two = [Self.process(1, "checkout"), Self.process(2, "checkout")]
        let target = ConnectionTarget(namespace: "shop", serverAddress: nil, serverPort: 5432)
        for (index, ms) in [0.5, 3, 3, 2000].enumerated() {
            metrics.observe(
                ObservedOperation(
                    kind: .client, durationNanoseconds: UInt64(ms * 1_000_000), endNanoseconds: 1, returnedRows: 4,
                    analysis: QueryAnalysis(text: nil, summary: "SELECT \"odd\"\\table", operation: "SELECT"),
                    target: target, process: two[index % 2]))
        }
        let text = metrics.prometheusText()
        let labels = #"service_name="checkout",db_system_name="postgresql",db_namespace="shop",db_operation_name="SELECT",db_query_summary="SELECT \"odd\"\\table",server_port="5432""#
        #expect(text.contains("# TYPE db_client_operation_duration_seconds histogram\n"))
        #expect(text.contains("db_client_operation_duration_seconds_bucket{\(labels),le=\"0.001\"} 1\n"))
        #expect(text.contains("db_client_operation_duration_seconds_bucket{\(labels),le=\"0.005\"} 3\n"))
        #expect(text.contains("db_client_operation_duration_seconds_bucket{\(labels),le=\"1\"} 3\n"))
        #expect(text.contains("db_client_operation_duration_seconds_bucket{\(labels),le=\"5\"} 4\n"))
        #expect(text.contains("db_client_operation_duration_seconds_bucket{\(labels),le=\"+Inf\"} 4\n"))
        #expect(text.contains("db_client_operation_duration_seconds_count{\(labels)} 4\n"))
        #expect(text.contains("db_client_response_returned_rows_bucket{\(labels),le=\"5\"} 4\n"))
        #expect(text.contains("db_client_response_returned_rows_sum{\(labels)} 16\n"))
        // one label set per service: the two processes' series are summed
        #expect(text.components(separatedBy: "_count{").count - 1 == 2)
        #expect(!text.contains("tusk_db_server_operation_duration_seconds"), "no server-side requests: no family")
    }

    @Test func labelNamesAndValues() {
        #expect(PrometheusExposition.labelName("otel.metric.overflow") == "otel_metric_overflow")
        #expect(PrometheusExposition.labelName("error.type") == "error_type")
        #expect(PrometheusExposition.escape("a\"b\\c\nd") == #"a\"b\\c\nd"#)
        #expect(PrometheusExposition.number(10) == "10")
        #expect(PrometheusExposition.number(0.005) == "0.005")
    }
}
