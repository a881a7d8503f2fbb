import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// GET /healthz (503 until the probes are attached, then 200) and GET /metrics (Prometheus text).
public final class HTTPEndpointService: Service {
    private let channel: any Channel
    private let logger: Logger

    /// Binds before the probes attach, so /healthz and /metrics answer from the first moment.
    public static func bind(address: ListenAddress, health: HealthState, metrics: AgentMetrics, logger: Logger) async throws -> HTTPEndpointService {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(EndpointHandler(health: health, metrics: metrics))
                }
            }
            .bind(host: address.host, port: address.port)
            .get()
        logger.info("serving /healthz and /metrics", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        return HTTPEndpointService(channel: channel, logger: logger)
    }

    private init(channel: any Channel, logger: Logger) {
        self.channel = channel
        self.logger = logger
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await channel.close()
    }
}

private final class EndpointHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let health: HealthState
    private let metrics: AgentMetrics
    private var request: HTTPRequestHead?

    init(health: HealthState, metrics: AgentMetrics) {
        self.health = health
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let request else { return }
            self.request = nil
            respond(to: request, context: context)
        }
    }

    private func respond(to request: HTTPRequestHead, context: ChannelHandlerContext) {
        let path = request.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? request.uri
        let (status, contentType, body): (HTTPResponseStatus, String, [UInt8])
        switch (request.method, path) {
        case (.GET, "/healthz"):
            (status, contentType, body) = health.isAttached
                ? (.ok, "text/plain", Array("ok\n".utf8))
                : (.serviceUnavailable, "text/plain", Array("probes not attached\n".utf8))
        case (.GET, "/metrics"):
            (status, contentType, body) = (.ok, "text/plain; version=0.0.4", metrics.render())
        case (_, "/healthz"), (_, "/metrics"):
            (status, contentType, body) = (.methodNotAllowed, "text/plain", Array("GET only\n".utf8))
        default:
            (status, contentType, body) = (.notFound, "text/plain", Array("not found\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: contentType)
        headers.add(name: "Content-Length", value: "\(body.count)")
        let keepAlive = request.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}
