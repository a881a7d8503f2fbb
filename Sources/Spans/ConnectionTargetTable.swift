import KernelRecords
import Wire

/// One `ConnectionTarget` object per distinct target: every connection to the same database at
/// the same address shares it, so request metrics tell targets apart by identity and their
/// per-statement memo holds one entry per statement, not one per connection. Bounded: past
/// `limit` targets it starts afresh (the connections keep the objects they have).
struct ConnectionTargetTable {
    private struct Key: Hashable {
        var namespace: String?
        var serverAddress: String?
        var serverPort: Int64?
    }

    private var targets: [Key: ConnectionTarget] = [:]
    let limit: Int

    init(limit: Int = 4096) {
        self.limit = limit
    }

    /// The target of a connection with these startup parameters and socket, as seen from `role`.
    mutating func target(startup: StartupParameters?, socket: SocketAddress, role: CapturedRequest.Role) -> ConnectionTarget {
        var key = Key(namespace: startup?.database)
        if case .inet(let local, let localPort, let peer, let peerPort) = socket {
            key.serverAddress = SocketAddress.format(role == .server ? local : peer)
            key.serverPort = Int64(role == .server ? localPort : peerPort)
        }
        if let known = targets[key] { return known }
        if targets.count >= limit { targets.removeAll(keepingCapacity: true) }
        let target = ConnectionTarget(namespace: key.namespace, serverAddress: key.serverAddress, serverPort: key.serverPort)
        targets[key] = target
        return target
    }
}
