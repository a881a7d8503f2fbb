/// The decoded socket of recent connections: every record of a connection carries the same
/// addresses (the kernel notes them once), so they are decoded once, not once per record.
package struct SocketMemo {
    private static let slots = 64
    private var connections = [UInt64](repeating: 0, count: slots)
    private var sockets = [SocketAddress](repeating: .unknown, count: slots)

    package init() {}

    package mutating func socket(connection: UInt64, decode: () -> SocketAddress) -> SocketAddress {
        let slot = Int(truncatingIfNeeded: connection) & (Self.slots - 1)
        if connection != 0 && connections[slot] == connection { return sockets[slot] }
        let socket = decode()
        connections[slot] = connection
        sockets[slot] = socket
        return socket
    }
}
