import KernelRecords
import Wire

/// Where a connection goes: its database, server address and port. A span's name falls back to
/// them when there is no query summary, and the request metrics carry them. Worked out once per
/// connection; one object, so that its requests can be told apart from other connections' by
/// identity.
public final class ConnectionTarget: Sendable {
    public let namespace: String?
    public let serverAddress: String?
    public let serverPort: Int64?

    init(startup: StartupParameters?, socket: SocketAddress, role: CapturedRequest.Role) {
        namespace = startup?.database
        guard case .inet(let local, let localPort, let peer, let peerPort) = socket else {
            serverAddress = nil
            serverPort = nil
            return
        }
        serverAddress = SocketAddress.format(role == .server ? local : peer)
        serverPort = Int64(role == .server ? localPort : peerPort)
    }

    public init(namespace: String?, serverAddress: String?, serverPort: Int64?) {
        self.namespace = namespace
        self.serverAddress = serverAddress
        self.serverPort = serverPort
    }
}
