import Logging
import NIOCore
import OTLPProto
import Spans
import SwiftProtobuf

/// Exports spans as OTLP protobuf over HTTP(S): one POST per batch to `…/v1/traces` through an
/// `OTLPHTTPClient`. Every outcome lands in `PipelineCounters`.
public final class OTLPHTTPExporter<C: Clock>: SpanExporter where C.Duration == Duration {
    private let encoder: OTLPRequestEncoder
    private let counters: PipelineCounters
    private let logger: Logger
    private let client: OTLPHTTPClient<C>

    /// Throws when `options.certificatePath` holds no readable PEM certificate.
    public init(
        options: OTLPExporterOptions, encoder: OTLPRequestEncoder, policy: RetryPolicy = .default,
        counters: PipelineCounters, logger: Logger, clock: C
    ) throws {
        self.encoder = encoder
        self.counters = counters
        self.logger = logger
        client = try OTLPHTTPClient(options: options, policy: policy, logger: logger, clock: clock)
    }

    public func export(_ spans: [DatabaseSpan]) async {
        guard !spans.isEmpty else { return }
        let body: ByteBuffer
        do {
            body = try encodeBody(spans)
        } catch {
            logger.error("encoding spans failed", metadata: ["error": "\(error)", "spans": "\(spans.count)"])
            counters.droppedUndeliverable.add(spans.count, ordering: .relaxed)
            return
        }
        let counters = self.counters
        switch await client.deliver(body, retrying: { counters.retried.add(1, ordering: .relaxed) }) {
        case .delivered(let response):
            counters.exported.add(spans.count, ordering: .relaxed)
            reportPartialSuccess(response, spans: spans.count)
        case .rejected(let status):
            counters.droppedRejected.add(spans.count, ordering: .relaxed)
            logger.error("backend rejected spans; not retrying", metadata: ["status": "\(status)", "spans": "\(spans.count)"])
        case .undeliverable(let attempts):
            counters.droppedUndeliverable.add(spans.count, ordering: .relaxed)
            logger.error("giving up on a batch after retrying", metadata: ["spans": "\(spans.count)", "attempts": "\(attempts)"])
        }
    }

    public func forceFlush() async {}

    public func shutdown() async {
        await client.shutdown()
    }

    func encodeBody(_ spans: [DatabaseSpan]) throws -> ByteBuffer {
        try client.prepare(encoder.encode(spans))
    }

    /// A 200 may still carry rejected spans: log and count them, do not retry (the spec says so).
    private func reportPartialSuccess(_ body: [UInt8], spans: Int) {
        guard !body.isEmpty,
            let response = try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse(serializedBytes: body),
            response.hasPartialSuccess
        else { return }
        let rejected = Int(response.partialSuccess.rejectedSpans)
        if rejected > 0 {
            counters.droppedPartial.add(rejected, ordering: .relaxed)
            // exported counts what the backend kept
            counters.exported.add(-rejected, ordering: .relaxed)
        }
        if rejected > 0 || !response.partialSuccess.errorMessage.isEmpty {
            logger.warning(
                "backend accepted the batch partially",
                metadata: ["rejected": "\(rejected)", "of": "\(spans)", "message": "\(response.partialSuccess.errorMessage)"])
        }
    }
}
