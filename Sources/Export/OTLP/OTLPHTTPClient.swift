import AsyncHTTPClient
import CompressNIO
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// Delivers OTLP protobuf bodies over HTTP(S) — one POST, retried as `RetryPolicy` decides —
/// for every signal's exporter: connections reused, optional gzip, the configured headers.
public final class OTLPHTTPClient<C: Clock>: Sendable where C.Duration == Duration {
    /// How a delivery ended.
    public enum Delivery: Sendable {
        /// 2xx; the response body, in which a partial success may be reported.
        case delivered(response: [UInt8])
        /// A status that is not retried (400, 401, …).
        case rejected(status: Int)
        /// Retries ran out, or the sleep before one was cut short (shutdown).
        case undeliverable(attempts: Int)
    }

    let options: OTLPExporterOptions
    private let policy: RetryPolicy
    private let logger: Logger
    private let clock: C
    private let client: HTTPClient

    /// Throws when `options.certificatePath` holds no readable PEM certificate.
    public init(options: OTLPExporterOptions, policy: RetryPolicy = .default, logger: Logger, clock: C) throws {
        self.options = options
        self.policy = policy
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

    /// Compresses `body` as configured.
    public func prepare(_ body: [UInt8]) throws -> ByteBuffer {
        var buffer = ByteBuffer(bytes: body)
        if options.compression == .gzip {
            buffer = try buffer.compress(with: .gzip())
        }
        return buffer
    }

    /// POSTs `body` (from `prepare`) to the configured URL until delivered, rejected or given up;
    /// `retrying` runs before each retry (to count it).
    public func deliver(_ body: ByteBuffer, retrying: @Sendable () -> Void) async -> Delivery {
        let started = clock.now
        var attempt = 0
        while true {
            attempt += 1
            let (outcome, response) = await send(body)
            let decision = policy.decide(
                outcome, attempt: attempt, elapsed: started.duration(to: clock.now),
                nowUnixSeconds: Int64(time(nil)), random: Double.random(in: 0..<1))
            switch decision {
            case .delivered:
                return .delivered(response: response)
            case .retry(let delay):
                retrying()
                logger.notice(
                    "export failed, retrying",
                    metadata: ["url": "\(options.url)", "outcome": "\(outcome)", "attempt": "\(attempt)", "delay": "\(delay)"])
                do {
                    try await Task.sleep(for: delay, clock: clock)
                } catch {
                    return .undeliverable(attempts: attempt)  // the shutdown deadline
                }
            case .rejected(let status):
                return .rejected(status: status)
            case .exhausted:
                return .undeliverable(attempts: attempt)
            }
        }
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    private func send(_ body: ByteBuffer) async -> (RetryPolicy.Outcome, [UInt8]) {
        var request = HTTPClientRequest(url: options.url)
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
            var answer = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
            let bytes = answer.readBytes(length: answer.readableBytes) ?? []
            return (.status(Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After")), bytes)
        } catch {
            logger.debug("export request failed", metadata: ["url": "\(options.url)", "error": "\(error)"])
            return (.connectionFailure, [])
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000
    }
}
