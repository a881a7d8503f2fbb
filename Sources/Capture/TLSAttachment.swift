/// Where the TLS probes went: the library files attached, and why others were not.
public struct TLSAttachment: Sendable, Equatable {
    /// Paths of the files whose SSL_read and SSL_write are probed.
    public var attached: [String] = []
    /// One line per file that could not be probed.
    public var failures: [String] = []

    public init() {}
}
