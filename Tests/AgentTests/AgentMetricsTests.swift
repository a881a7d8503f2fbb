import Capture
import Export
import KernelRecords
import Testing
import TestSupport

@testable import Agent

/// /metrics: totals kept by the kernel, the reader and the pipeline, as Prometheus counters that
/// only ever go up, and the gauges as they are now.
struct AgentMetricsTests {
    static func page(_ metrics: AgentMetrics) -> String { String(decoding: metrics.render(), as: UTF8.self) }

    static func value(_ name: String, in page: String) -> Double? {
        page.split(separator: "\n").first { $0.hasPrefix(name + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    @Test func totalsAndGaugesAppearUnderTheirNames() {
        let kernel = FixedKernelStatistics()
        let stats = CaptureStats()
        let counters = PipelineCounters()
        let queue = SpanQueue(capacity: 10, counters: counters)
        let metrics = AgentMetrics(kernel: kernel, stats: stats, pipeline: counters, queue: queue)
        var kernelCounters = KernelCounters()
        kernelCounters.records = 12
        kernelCounters.recordsLost = 2
        kernelCounters.desynchronized = 1
        kernel.set(kernelCounters, connections: 3, requests: 1)
        stats.recordsRead.add(10, ordering: .relaxed)
        counters.droppedQueueFull.add(4, ordering: .relaxed)
        let page = Self.page(metrics)
        #expect(Self.value("tusk_kernel_records_total", in: page) == 12)
        #expect(Self.value("tusk_records_read_total", in: page) == 10)
        #expect(Self.value("tusk_dropped_total{reason=\"kernel_ring_full\"}", in: page) == 2)
        #expect(Self.value("tusk_dropped_total{reason=\"desync\"}", in: page) == 1)
        #expect(Self.value("tusk_dropped_total{reason=\"queue_full\"}", in: page) == 4)
        #expect(Self.value("tusk_kernel_connections", in: page) == 3)
        #expect(Self.value("tusk_kernel_requests_in_flight", in: page) == 1)
    }

    /// What TLS is not seen, and which OpenSSL files got the probes, under their names.
    @Test func tlsTotalsAppearUnderTheirNames() {
        let kernel = FixedKernelStatistics()
        let counters = PipelineCounters()
        let tls = TLSDiscovery.Counters()
        let metrics = AgentMetrics(
            kernel: kernel, stats: CaptureStats(), pipeline: counters, queue: SpanQueue(capacity: 1, counters: counters), tls: tls)
        var kernelCounters = KernelCounters()
        kernelCounters.connectionsEncrypted = 5
        kernelCounters.connectionsEncryptedSeen = 3
        kernelCounters.connectionsEncryptedUnseen = 2
        kernel.set(kernelCounters, connections: 0, requests: 0)
        tls.filesProbed.add(4, ordering: .relaxed)
        tls.filesOverLimit.add(1, ordering: .relaxed)
        tls.filesFailed.add(2, ordering: .relaxed)
        tls.reportsDropped.add(6, ordering: .relaxed)
        let page = Self.page(metrics)
        #expect(Self.value("tusk_connections_encrypted_total", in: page) == 5)
        #expect(Self.value("tusk_connections_encrypted_seen_total", in: page) == 3)
        #expect(Self.value("tusk_connections_encrypted_unseen_total{reason=\"tls_library_not_hooked\"}", in: page) == 2)
        #expect(Self.value("tusk_tls_files_probed_total", in: page) == 4)
        #expect(Self.value("tusk_tls_files_not_probed_total{reason=\"file_limit\"}", in: page) == 1)
        #expect(Self.value("tusk_tls_files_not_probed_total{reason=\"attach_failed\"}", in: page) == 2)
        #expect(Self.value("tusk_dropped_total{reason=\"tls_discovery_busy\"}", in: page) == 6)
    }

    /// A source that reads lower than before (a restarted count) never makes a counter go down.
    @Test func countersNeverGoDown() {
        let kernel = FixedKernelStatistics()
        let counters = PipelineCounters()
        let metrics = AgentMetrics(
            kernel: kernel, stats: CaptureStats(), pipeline: counters, queue: SpanQueue(capacity: 1, counters: counters))
        var high = KernelCounters()
        high.records = 50
        kernel.set(high)
        #expect(Self.value("tusk_kernel_records_total", in: Self.page(metrics)) == 50)
        var low = KernelCounters()
        low.records = 20
        kernel.set(low)
        #expect(Self.value("tusk_kernel_records_total", in: Self.page(metrics)) == 50)
        high.records = 70
        kernel.set(high)
        #expect(Self.value("tusk_kernel_records_total", in: Self.page(metrics)) == 70)
    }
}
