import Capture
import KernelRecords
import Export
import OperationMetrics
import Prometheus
import Synchronization

/// The /metrics page: Tusk's own totals (the kernel's counters, the reader's, the pipeline's and
/// the metric exporter's), rendered by swift-prometheus, then the request metrics
/// (db_client_operation_duration_seconds, …), which `OperationMetrics` renders itself from the
/// one aggregation it also exports over OTLP. Totals kept elsewhere are brought in as counter
/// increments at scrape time.
public final class AgentMetrics: Sendable {
    private let operations: OperationMetrics?
    private let kernel: any KernelStatistics
    private let stats: CaptureStats
    private let pipeline: PipelineCounters
    private let queue: SpanQueue
    private let registry = PrometheusCollectorRegistry()
    private let counters: [(read: @Sendable () -> Int, counter: Counter)]
    private let reported: Mutex<[Int]>
    private let gauges: [(read: @Sendable () -> Int, gauge: Gauge)]

    public init(
        kernel: any KernelStatistics, stats: CaptureStats, pipeline: PipelineCounters, queue: SpanQueue,
        operations: OperationMetrics? = nil, metricExport: MetricExportCounters = MetricExportCounters(),
        hops: HopJoinCounters = HopJoinCounters(), tls: TLSDiscovery.Counters = TLSDiscovery.Counters()
    ) {
        self.operations = operations
        self.kernel = kernel
        self.stats = stats
        self.pipeline = pipeline
        self.queue = queue
        let registry = self.registry
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = [], _ read: @escaping @Sendable () -> Int) -> (read: @Sendable () -> Int, counter: Counter) {
            let descriptor = MetricNameDescriptor(namespace: "tusk", metricName: name, unitName: "total", helpText: help)
            return (read, registry.makeCounter(descriptor: descriptor, labels: labels))
        }
        func gauge(_ name: String, _ help: String, _ read: @escaping @Sendable () -> Int) -> (read: @Sendable () -> Int, gauge: Gauge) {
            let descriptor = MetricNameDescriptor(namespace: "tusk", metricName: name, unitName: "", helpText: help)
            return (read, registry.makeGauge(descriptor: descriptor))
        }
        func fromKernel(_ value: @escaping @Sendable (KernelCounters) -> UInt64) -> @Sendable () -> Int {
            { Int(clamping: value(kernel.counters())) }
        }
        let dropped = "Records or spans dropped, by reason"
        counters = [
            counter("records_read", "Records read from the kernel ring buffer") { stats.recordsRead.load(ordering: .relaxed) },
            counter("spans_emitted", "Spans built from records") { stats.spansEmitted.load(ordering: .relaxed) },
            counter("spans_unsampled", "Spans the sampler left out") {
                stats.unsampled.load(ordering: .relaxed) + hops.unsampled.load(ordering: .relaxed)
            },
            counter("invalid_traceparents", "sqlcommenter traceparents that failed W3C validation (span made a root)") { stats.invalidTraceparents.load(ordering: .relaxed) },
            counter("spans_exported", "Spans the exporter delivered") { pipeline.exported.load(ordering: .relaxed) },
            counter("export_retries", "Export requests retried") { pipeline.retried.load(ordering: .relaxed) },
            counter("kernel_records", "Records the kernel submitted", [], fromKernel { $0.records }),
            counter("kernel_records_lost", "Records lost in the kernel: ring buffer full", [], fromKernel { $0.recordsLost }),
            counter("connections_opened", "PostgreSQL connections recognised", [], fromKernel { $0.connectionsOpened }),
            counter("connections_midstream", "Connections first seen after their startup", [], fromKernel { $0.connectionsMidstream }),
            counter("connections_encrypted", "Connections that switched to SSL/GSS encryption", [], fromKernel { $0.connectionsEncrypted }),
            counter(
                "connections_encrypted_seen", "Encrypted connections whose plaintext the TLS library probes handed over", [],
                fromKernel { $0.connectionsEncryptedSeen }),
            counter(
                "connections_encrypted_unseen",
                "Encrypted connections whose plaintext no TLS probe hands over (their TLS library is not one Tusk probes)",
                [("reason", "tls_library_not_hooked")], fromKernel { $0.connectionsEncryptedUnseen }),
            counter("tls_files_probed", "OpenSSL files (libraries, programs with it built in) the TLS probes went on") {
                tls.filesProbed.load(ordering: .relaxed)
            },
            counter("tls_files_not_probed", "OpenSSL files found but not probed, by reason", [("reason", "file_limit")]) {
                tls.filesOverLimit.load(ordering: .relaxed)
            },
            counter("tls_files_not_probed", "OpenSSL files found but not probed, by reason", [("reason", "attach_failed")]) {
                tls.filesFailed.load(ordering: .relaxed)
            },
            counter("tls_processes_probed", "Processes the OpenSSL probes went on, each alone (a scoped agent)") {
                tls.processesProbed.load(ordering: .relaxed)
            },
            counter("tls_processes_not_probed", "Processes in scope using OpenSSL left unprobed, by reason", [("reason", "process_limit")]) {
                tls.processesOverLimit.load(ordering: .relaxed)
            },
            counter("tls_processes_not_probed", "Processes in scope using OpenSSL left unprobed, by reason", [("reason", "attach_failed")]) {
                tls.processesFailed.load(ordering: .relaxed)
            },
            counter(
                "tls_calls_out_of_scope", "OpenSSL calls whose probe fired in a process out of scope (left at once)", [],
                fromKernel { $0.tlsCallsOutOfScope }),
            counter("dropped", dropped, [("reason", "tls_discovery_busy")]) { tls.reportsDropped.load(ordering: .relaxed) },
            counter("connections_closed", "PostgreSQL connections ended", [], fromKernel { $0.connectionsClosed }),
            counter("unmatched_responses", "Backend answers with no request waiting", [], fromKernel { $0.unmatched }),
            counter("dropped", dropped, [("reason", "kernel_ring_full")], fromKernel { $0.recordsLost }),
            // connections whose bytes stopped parsing as PostgreSQL, and requests too many to track
            counter("dropped", dropped, [("reason", "desync")], fromKernel { $0.desynchronized }),
            counter("dropped", dropped, [("reason", "overflow")], fromKernel { $0.overflowed }),
            counter("dropped", dropped, [("reason", "stash_unavailable")], fromKernel { $0.stashUnavailable }),
            counter("dropped", dropped, [("reason", "tls_walk_unavailable")], fromKernel { $0.tlsWalkUnavailable }),
            // TLS library calls whose SSL object was never tied to a socket (its handshake unseen)
            counter("dropped", dropped, [("reason", "tls_untied")], fromKernel { $0.tlsUntied }),
            counter("dropped", dropped, [("reason", "queue_full")]) { pipeline.droppedQueueFull.load(ordering: .relaxed) },
            counter("dropped", dropped, [("reason", "rejected")]) { pipeline.droppedRejected.load(ordering: .relaxed) },
            counter("dropped", dropped, [("reason", "undeliverable")]) { pipeline.droppedUndeliverable.load(ordering: .relaxed) },
            counter("dropped", dropped, [("reason", "partial_success")]) { pipeline.droppedPartial.load(ordering: .relaxed) },
            counter("metric_overflow", "Requests counted in a service's overflow series (too many distinct query summaries)") {
                operations?.overflowed ?? 0
            },
            counter("metric_points_exported", "Metric data points the OTLP backend accepted") {
                metricExport.pointsExported.load(ordering: .relaxed)
            },
            counter("metric_points_dropped", "Metric data points an OTLP export could not deliver (unless the backend refused them, the next export carries their counts)") {
                metricExport.pointsDropped.load(ordering: .relaxed)
            },
            counter("metric_export_retries", "Metric export requests retried") { metricExport.retried.load(ordering: .relaxed) },
            counter("hop_spans_joined", "Spans given the span of the previous hop on this node as parent (--side both)") {
                hops.joined.load(ordering: .relaxed)
            },
            counter("hop_spans_expired", "Spans held for a hop parent that did not come within the window: emitted as built") {
                hops.expired.load(ordering: .relaxed)
            },
            counter("hop_spans_overflow", "Spans emitted at once, as built, because the hop joiner held its maximum") {
                hops.overflowed.load(ordering: .relaxed)
            },
        ]
        reported = Mutex([Int](repeating: 0, count: counters.count))
        gauges = [
            gauge("queue_spans", "Spans waiting for export") { queue.count },
            gauge("hop_spans_held", "Spans waiting for their hop parent") { hops.held.load(ordering: .relaxed) },
            gauge("tls_processes_with_probes", "Processes holding OpenSSL probes of their own (a scoped agent)") {
                tls.processesHolding.load(ordering: .relaxed)
            },
            gauge("kernel_connections", "Connections tracked in the kernel") { kernel.mapEntries().connections },
            gauge("kernel_requests_in_flight", "Requests tracked in the kernel") { kernel.mapEntries().requests },
        ]
    }

    public func render() -> [UInt8] {
        reported.withLock { reported in
            for (index, source) in counters.enumerated() {
                let value = source.read()
                if value > reported[index] {
                    source.counter.increment(by: Int64(value - reported[index]))
                    reported[index] = value
                }
            }
        }
        for source in gauges {
            source.gauge.set(Double(source.read()))
        }
        return registry.emitToBuffer() + Array((operations?.prometheusText() ?? "").utf8)
    }
}
