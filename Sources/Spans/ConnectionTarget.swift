import KernelRecords
import Wire

/// Where a connection goes: its database, server address and port, which a span's name falls
/// back to when there is no query summary.
struct ConnectionTarget {
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
