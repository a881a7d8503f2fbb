import KernelRecords
import Wire

/// The per-connection attributes of a span, and the pieces of them the span name may fall back to.
struct ConnectionAttributes {
    let attributes: [SpanAttribute]
    let startup: StartupParameters?
    let socket: SocketAddress
    let role: CapturedRequest.Role

    var namespace: String? { startup?.database }

    var serverAddress: String? {
        guard case .inet(let local, _, let peer, _) = socket else { return nil }
        return SocketAddress.format(role == .server ? local : peer)
    }

    var serverPort: Int? {
        guard case .inet(_, let localPort, _, let peerPort) = socket else { return nil }
        return Int(role == .server ? localPort : peerPort)
    }
}
