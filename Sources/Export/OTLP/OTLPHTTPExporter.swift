import AsyncHTTPClient
import CompressNIO
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import OTLPProto
import Spans
import SwiftProtobuf

/// Exports spans as OTLP protobuf over HTTP(S): one POST per batch to `…/v1/traces`, connections
/// reused, optional gzip, retries per `RetryPolicy`. Every outcome lands in `PipelineCounters`.
public final class OTLPHTTPExporter<C: Clock>: SpanExporter where C.Duration == Duration {
    private let options: OTLPExporterOptions
    private let encoder: OTLPRequestEncoder
    private let policy: RetryPolicy
    private let counters: PipelineCounters
    private let logger: Logger
    private let clock: C
    private let client: HTTPClient

    /// Throws when `options.certificatePath` holds no readable PEM certificate.
    public init(
        options: OTLPExporterOptions, encoder: OTLPRequestEncoder, policy: RetryPolicy = .default,
        counters: PipelineCounters, logger: Logger, clock: C
    ) throws {
        self.options = options
        self.encoder = encoder
        self.policy = policy
        self.counters = counters
        self.logger = logger
        self.clock = clock
        var configuration = HTTPClient.Configuration()
        configuration.decompression = .enabled(limit: .size(16 << 20))
        configuration.connectionPool.idleTimeout = .seconds(60)
        if let path = options.certificatePath {
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
            configuration.tlsConfiguration = tls
        }
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
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
        let started = clock.now
        var attempt = 0
        while true {
            attempt += 1
            let outcome = await send(body, spans: spans.count)
            let decision = policy.decide(
                outcome, attempt: attempt, elapsed: started.duration(to: clock.now),
                nowUnixSeconds: Int64(time(nil)), random: Double.random(in: 0..<1))
            switch decision {
            case .delivered:
                counters.exported.add(spans.count, ordering: .relaxed)
                return
            case .retry(let delay):
                counters.retried.add(1, ordering: .relaxed)
                logger.notice(
                    "export failed, retrying",
                    metadata: ["outcome": "\(outcome)", "attempt": "\(attempt)", "delay": "\(delay)"])
                do {
                    try await Task.sleep(for: delay, clock: clock)
                } catch {
                    // shutdown deadline: what could not be delivered is counted, not lost silently
                    counters.droppedUndeliverable.add(spans.count, ordering: .relaxed)
                    return
                }
            case .rejected(let status):
                counters.droppedRejected.add(spans.count, ordering: .relaxed)
                logger.error("backend rejected spans; not retrying", metadata: ["status": "\(status)", "spans": "\(spans.count)"])
                return
            case .exhausted:
                counters.droppedUndeliverable.add(spans.count, ordering: .relaxed)
                logger.error("giving up on a batch after retrying", metadata: ["spans": "\(spans.count)", "attempts": "\(attempt)"])
                return
            }
        }
    }

    public func forceFlush() async {}

    public func shutdown() async {
        try? await client.shutdown()
    }

    func encodeBody(_ spans: [DatabaseSpan]) throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: encoder.encode(spans))
        if options.compression == .gzip {
            buffer = try buffer.compress(with: .gzip())
        }
        return buffer
    }

    private func send(_ body: ByteBuffer, spans: Int) async -> RetryPolicy.Outcome {
        var request = HTTPClientRequest(url: options.tracesURL)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-protobuf")
        request.headers.add(name: "User-Agent", value: options.userAgent)
        if options.compression == .gzip {
            request.headers.add(name: "Content-Encoding", value: "gzip")
        }
        for header in options.headers {
            request.headers.add(name: header.name, value: header.value)
        }
        request.body = .bytes(body)
        do {
            let response = try await client.execute(request, timeout: .nanoseconds(options.timeout.nanoseconds))
            let status = Int(response.status.code)
            if (200..<300).contains(status) {
                let answer = try? await response.body.collect(upTo: 1 << 20)
                reportPartialSuccess(answer, spans: spans)
            } else {
                _ = try? await response.body.collect(upTo: 1 << 20)
            }
            return .status(status, retryAfter: response.headers.first(name: "Retry-After"))
        } catch {
            logger.debug("export request failed", metadata: ["error": "\(error)"])
            return .connectionFailure
        }
    }

    /// A 200 may still carry rejected spans: log and count them, do not retry (the spec says so).
    private func reportPartialSuccess(_ body: ByteBuffer?, spans: Int) {
        guard var body, body.readableBytes > 0, let bytes = body.readBytes(length: body.readableBytes),
            let response = try? Opentelemetry_Proto_Collector_Trace_V1_ExportTraceServiceResponse(serializedBytes: bytes),
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

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
