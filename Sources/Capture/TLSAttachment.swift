/// Where the TLS probes went: the library files attached, and why others were not.
public struct TLSAttachment: Sendable, Equatable {
    /// Paths of the files whose SSL_read and SSL_write are probed.
    public var attached: [String] = []
    /// One line per file that could not be probed.
    public var failures: [String] = []
    /// Paths of the files left unprobed because only PostgreSQL servers use them and their side is
    /// not traced (`--side client`).
    public var serverOnly: [String] = []

    public init() {}
}
