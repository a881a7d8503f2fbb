import KernelRecords

/// One TCP connection as both of its ends name it: the client's address and port, then the
/// server's. A client end reads its socket as (local, peer), a server end as (peer, local), so the
/// two ends of one connection give the same key. IPv4 addresses are held in their IPv4-mapped
/// IPv6 form: a dual-stack listener sees `::ffff:a.b.c.d` where its IPv4 client sees `a.b.c.d`.
public struct ConnectionKey: Hashable, Sendable {
    public var clientAddress: IPv6Bits
    public var clientPort: UInt16
    public var serverAddress: IPv6Bits
    public var serverPort: UInt16

    /// 128 address bits, big-endian halves.
    public struct IPv6Bits: Hashable, Sendable {
        public var high: UInt64
        public var low: UInt64

        /// A 4-byte IPv4 or 16-byte IPv6 address; nil for anything else.
        public init?(_ address: [UInt8]) {
            switch address.count {
            case 4:
                high = 0
                low = 0xffff_0000_0000 | address.reduce(0) { $0 << 8 | UInt64($1) }
            case 16:
                high = address[0..<8].reduce(0) { $0 << 8 | UInt64($1) }
                low = address[8..<16].reduce(0) { $0 << 8 | UInt64($1) }
            default:
                return nil
            }
        }
    }

    public init(clientAddress: IPv6Bits, clientPort: UInt16, serverAddress: IPv6Bits, serverPort: UInt16) {
        self.clientAddress = clientAddress
        self.clientPort = clientPort
        self.serverAddress = serverAddress
        self.serverPort = serverPort
    }

    /// The key of a TCP socket seen from the end playing `role`; nil for Unix sockets and
    /// unknown addresses.
    public init?(socket: SocketAddress, role: DatabaseSpan.Kind) {
        guard case .inet(let local, let localPort, let peer, let peerPort) = socket,
            let localBits = IPv6Bits(local), let peerBits = IPv6Bits(peer)
        else { return nil }
        switch role {
        case .client: self.init(clientAddress: localBits, clientPort: localPort, serverAddress: peerBits, serverPort: peerPort)
        case .server: self.init(clientAddress: peerBits, clientPort: peerPort, serverAddress: localBits, serverPort: localPort)
        }
    }
}
