/// What the kernel side captures and how much memory it may use. Set before the programs load.
public struct CaptureOptions: Sendable, Equatable {
    /// Processes to trace (`tusk run --pid`, repeatable). Empty: every process. Default: empty.
    public var pids: [Int32]
    /// Bytes of query text captured per request (`--max-query-bytes`, `TUSK_MAX_QUERY_BYTES`). Default 1024.
    public var maxQueryBytes: Int
    /// Connections tracked at once. Default 16384.
    public var maxConnections: Int
    /// Requests in flight over all connections. Default 16384.
    public var maxRequests: Int
    /// Requests in flight on one connection (pipelines, batches). Default 1024.
    public var maxRequestsPerConnection: Int
    /// Ring buffer bytes (a power of two). Default 16 MiB.
    public var ringBytes: Int
    public enum Side: String, Sendable, CaseIterable {
        /// The application's side: CLIENT spans.
        case client
        /// The PostgreSQL backend's side (Tusk next to the database): SERVER spans.
        case server
        case both
    }

    /// Which side of connections to observe (`--side`). Default client.
    public var side: Side = .client
    /// Trace only processes inside these cgroup v2 subtrees (`--cgroup`, `--scope pod`), checked
    /// in the kernel before any other work. Empty: every cgroup. At most 8.
    public var cgroups: [CgroupSubtree] = []
    /// Follow encrypted connections through the TLS library probes (`--no-tls` turns it off).
    /// Off: connections that switch to TLS are counted and dropped. Default true.
    public var tls: Bool = true
    /// A scoped agent puts the OpenSSL probes on each OpenSSL file, for every process that maps it,
    /// as an unscoped one does (`--tls-probes-per-file`). Default false.
    public var tlsProbesPerFile = false
    /// A scoped agent (`pids` or `cgroups` set) with TLS on puts the OpenSSL probes on each traced
    /// process (`TLSDiscovery`), so that their breakpoints trap in no other process, unless
    /// `tlsProbesPerFile`; an unscoped one puts them on each OpenSSL file, for every process that
    /// maps it.
    public var tlsPerProcess: Bool { tls && !tlsProbesPerFile && (!pids.isEmpty || !cgroups.isEmpty) }
    /// Leave the agent's own process out. Default true; tests that talk PostgreSQL from the
    /// process that loaded the programs turn it off.
    public var ignoreSelf: Bool

    public static let `default` = CaptureOptions(
        pids: [], maxQueryBytes: 1024, maxConnections: 16384, maxRequests: 16384,
        maxRequestsPerConnection: 1024, ringBytes: 16 << 20, ignoreSelf: true)

    public init(
        pids: [Int32], maxQueryBytes: Int, maxConnections: Int, maxRequests: Int,
        maxRequestsPerConnection: Int, ringBytes: Int, ignoreSelf: Bool
    ) {
        self.pids = pids
        self.maxQueryBytes = maxQueryBytes
        self.maxConnections = maxConnections
        self.maxRequests = maxRequests
        self.maxRequestsPerConnection = maxRequestsPerConnection
        self.ringBytes = ringBytes
        self.ignoreSelf = ignoreSelf
    }

    /// A cgroup v2 directory: its id (the directory's inode) and depth below the hierarchy root.
    public struct CgroupSubtree: Sendable, Equatable {
        public var id: UInt64
        public var level: UInt32
        public init(id: UInt64, level: UInt32) {
            self.id = id
            self.level = level
        }
    }

    public static let maxCgroups = 8

    /// Limits the kernel side can honour.
    public static let queryBytesRange = 64...16384
}
