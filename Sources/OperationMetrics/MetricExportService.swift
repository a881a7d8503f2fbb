import Export
import Logging
import NIOCore
import OTLPProto
import ServiceLifecycle
import Spans
import SwiftProtobuf

/// Exports the request metrics over OTLP/HTTP every interval (OTEL_METRIC_EXPORT_INTERVAL), and
/// once more at shutdown. Each export is bounded by OTEL_METRIC_EXPORT_TIMEOUT. Nothing is queued:
/// what could not be delivered is counted, and its counts go out with the next export (a
/// cumulative point carries them anyway; an undelivered delta is taken back into its series). What
/// the backend refused is not sent again.
public final class MetricExportService<C: Clock>: Service where C.Duration == Duration {
    public struct Options: Sendable {
        public var interval: Duration
        public var timeout: Duration
        public var temporality: MetricTemporality
        /// Bounds the last export at shutdown too (OTEL_BSP_EXPORT_TIMEOUT, as for the spans).
        public var shutdownTimeout: Duration

        public init(interval: Duration, timeout: Duration, temporality: MetricTemporality, shutdownTimeout: Duration) {
            self.interval = interval
            self.timeout = timeout
            self.temporality = temporality
            self.shutdownTimeout = shutdownTimeout
        }
    }

    private let metrics: OperationMetrics
    private let client: OTLPHTTPClient<C>
    private let encoder: OTLPMetricsEncoder
    private let options: Options
    private let counters: MetricExportCounters
    private let logger: Logger
    private let clock: C

    /// `resources` supplies the attributes every resource carries (as for the spans).
    public init(
        metrics: OperationMetrics, client: OTLPHTTPClient<C>, resources: OTLPRequestEncoder, options: Options,
        counters: MetricExportCounters, logger: Logger, clock: C
    ) {
        self.metrics = metrics
        self.client = client
        encoder = OTLPMetricsEncoder(resources: resources, options: metrics.options)
        self.options = options
        self.counters = counters
        self.logger = logger
        self.clock = clock
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: self.options.interval, clock: self.clock)
                await self.exportOnce()
            }
        }
        await exportOnce(within: min(options.timeout, options.shutdownTimeout))  // what the last interval gathered
        await client.shutdown()
    }

    /// Collects and sends one request, within `timeout` (default: the export timeout). The number
    /// of data points sent.
    @discardableResult
    public func exportOnce(within timeout: Duration? = nil) async -> Int {
        let timeout = timeout ?? options.timeout
        let delta = options.temporality.histogramsAreDelta
        let collected = metrics.collect(delta: delta, nowMonotonic: WallClock.monotonicNow())
        let request = encoder.request(collected, delta: delta)
        let points = request.resourceMetrics.reduce(0) { total, resource in
            total + resource.scopeMetrics.reduce(0) { $0 + $1.metrics.reduce(0) { $0 + $1.histogram.dataPoints.count } }
        }
        guard points > 0 else { return 0 }
        let body: ByteBuffer
        do {
            body = try client.prepare(try request.serializedBytes())
        } catch {
            logger.error("encoding metrics failed", metadata: ["error": "\(error)"])
            counters.pointsDropped.add(points, ordering: .relaxed)
            return 0
        }
        let counters = self.counters
        let delivery = await withTaskGroup(of: OTLPHTTPClient<C>.Delivery?.self) { group in
            group.addTask { await self.client.deliver(body, retrying: { counters.retried.add(1, ordering: .relaxed) }) }
            group.addTask {
                try? await Task.sleep(for: timeout, clock: self.clock)
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            return first
        }
        switch delivery {
        case .delivered(let response):
            let rejected = Self.rejectedPoints(response)
            counters.pointsExported.add(points - rejected, ordering: .relaxed)
            counters.pointsDropped.add(rejected, ordering: .relaxed)
            return points
        case .rejected(let status):
            counters.pointsDropped.add(points, ordering: .relaxed)
            logger.error("backend rejected metrics; not retrying", metadata: ["status": "\(status)", "points": "\(points)"])
        case .undeliverable, nil:
            counters.pointsDropped.add(points, ordering: .relaxed)
            if delta { metrics.unsend(collected) }
            logger.error("metrics export gave up; the next export carries its counts", metadata: ["points": "\(points)"])
        }
        return 0
    }

    /// Points a 200 says it rejected (partial success).
    private static func rejectedPoints(_ body: [UInt8]) -> Int {
        guard !body.isEmpty,
            let response = try? Opentelemetry_Proto_Collector_Metrics_V1_ExportMetricsServiceResponse(serializedBytes: body)
        else { return 0 }
        return Int(response.partialSuccess.rejectedDataPoints)
    }
}
