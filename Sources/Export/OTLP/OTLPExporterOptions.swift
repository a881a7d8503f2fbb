/// Where and how an OTLP/HTTP exporter sends one signal (spans, metrics). Built by the CLI from
/// flags and the standard OTEL_EXPORTER_OTLP_* environment variables (see `tusk run --help`).
public struct OTLPExporterOptions: Sendable, Equatable {
    public enum Compression: String, Sendable, CaseIterable {
        case none
        case gzip
    }

    /// The signal's full URL (`…/v1/traces`, `…/v1/metrics`).
    public var url: String
    /// Extra request headers (authentication, tenancy).
    public var headers: [(name: String, value: String)]
    /// Per-request timeout.
    public var timeout: Duration
    public var compression: Compression
    public var userAgent: String
    /// A PEM file of CA certificates to trust for an https endpoint instead of the system's
    /// (a collector with a private CA); nil: the system trust store.
    public var certificatePath: String?

    public init(
        url: String, headers: [(name: String, value: String)] = [], timeout: Duration = .seconds(10),
        compression: Compression = .none, userAgent: String, certificatePath: String? = nil
    ) {
        self.url = url
        self.headers = headers
        self.timeout = timeout
        self.compression = compression
        self.userAgent = userAgent
        self.certificatePath = certificatePath
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.url == b.url && a.headers.map { "\($0.name)=\($0.value)" } == b.headers.map { "\($0.name)=\($0.value)" }
            && a.timeout == b.timeout && a.compression == b.compression && a.userAgent == b.userAgent
            && a.certificatePath == b.certificatePath
    }
}
