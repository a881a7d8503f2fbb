/// The end of a connection a span was observed at, as the hop joiner needs it to find the span's
/// hop parent and child on this node: which connection (its socket pair, its BackendKeyData),
/// which process, which statement, and when (CLOCK_MONOTONIC, the kernel's own timestamps, so
/// nesting is exact). Built by the span builder only when hops are joined.
public final class HopEnd: Sendable {
    /// CLIENT: the application's (or a proxy's outbound) end; SERVER: the accepting end.
    public let role: DatabaseSpan.Kind
    public let pid: Int32
    /// The TCP socket pair; nil over a Unix socket or when the kernel had no addresses.
    public let connection: ConnectionKey?
    /// The process id of the connection's BackendKeyData, which both ends see the same (0:
    /// unknown, e.g. a connection opened before Tusk was watching).
    public let backendKey: UInt32
    /// Hash of the statement text as it travelled (comments included); nil when only a statement
    /// name or nothing was known.
    public let textHash: UInt64?
    public let startNanoseconds: UInt64
    public let endNanoseconds: UInt64
    /// The other end of this connection has been seen on this node: a SERVER span's CLIENT
    /// parent may come; a CLIENT span may get a SERVER child.
    public let peerTraced: Bool
    /// The process has connections of both roles (a pooler or proxy): its CLIENT spans may have a
    /// SERVER parent in it, its SERVER spans a CLIENT child.
    public let processIsProxy: Bool
    /// The keys naming this end's connection: the socket pair and the BackendKeyData process id.
    let connectionKeys: [HopKey]

    public init(
        role: DatabaseSpan.Kind, pid: Int32, connection: ConnectionKey?, backendKey: UInt32, textHash: UInt64?,
        startNanoseconds: UInt64, endNanoseconds: UInt64, peerTraced: Bool, processIsProxy: Bool
    ) {
        self.role = role
        self.pid = pid
        self.connection = connection
        self.backendKey = backendKey
        self.textHash = textHash
        self.startNanoseconds = startNanoseconds
        self.endNanoseconds = endNanoseconds
        self.peerTraced = peerTraced
        self.processIsProxy = processIsProxy
        var keys: [HopKey] = []
        if let connection { keys.append(.socket(connection)) }
        if backendKey != 0 { keys.append(.backend(backendKey)) }
        connectionKeys = keys
    }

    /// A span at this end can still get a hop parent: a SERVER span whose client is traced here,
    /// or a CLIENT span of a proxy.
    public var mayHaveParent: Bool {
        role == .server ? peerTraced : processIsProxy
    }

    /// `other` lies within this span's time (the same request seen one hop further in).
    func encloses(_ other: HopEnd) -> Bool {
        startNanoseconds <= other.startNanoseconds && other.endNanoseconds <= endNanoseconds
    }
}
