import ASCII

/// Where and how one signal (traces, metrics) is exported over OTLP/HTTP, from the generic
/// OTEL_EXPORTER_OTLP_* variables and the signal's own OTEL_EXPORTER_OTLP_<SIGNAL>_* ones,
/// which win.
public struct OTLPSignalSettings: Sendable {
    /// The signal's full URL; nil: no OTLP endpoint for it.
    /// OTEL_EXPORTER_OTLP_<SIGNAL>_ENDPOINT (used as is), else OTEL_EXPORTER_OTLP_ENDPOINT + the
    /// signal's path.
    public var url: String?
    /// OTEL_EXPORTER_OTLP_HEADERS, then OTEL_EXPORTER_OTLP_<SIGNAL>_HEADERS (wins per key).
    public var headers: [(name: String, value: String)] = []
    /// OTEL_EXPORTER_OTLP[_<SIGNAL>]_TIMEOUT, milliseconds. Default 10 s.
    public var timeout: Duration = .seconds(10)
    /// OTEL_EXPORTER_OTLP[_<SIGNAL>]_COMPRESSION: gzip | none. Default none.
    public var compression: OTLPExporterOptions.Compression = .none
    /// OTEL_EXPORTER_OTLP[_<SIGNAL>]_CERTIFICATE: PEM CA certificates for an https endpoint;
    /// nil: the system's.
    public var certificatePath: String?

    public init() {}

    /// The exporter's options for this signal (nil without a URL).
    public func exporterOptions(userAgent: String) -> OTLPExporterOptions? {
        url.map {
            OTLPExporterOptions(
                url: $0, headers: headers, timeout: timeout, compression: compression, userAgent: userAgent,
                certificatePath: certificatePath)
        }
    }

    /// `{base}{path}`, as the specification appends the signal's path to the generic endpoint.
    public static func url(base: String, path: String) -> String {
        var base = base
        while base.hasSuffix("/") { base.removeLast() }
        return base + path
    }

    /// Reads `signal`'s settings (`signal`: TRACES, METRICS; `path`: /v1/traces, /v1/metrics).
    static func fromEnvironment(_ value: (String) -> String?, signal: String, path: String, warnings: inout [String]) -> Self {
        var settings = OTLPSignalSettings()
        if let url = value("OTEL_EXPORTER_OTLP_\(signal)_ENDPOINT") {
            settings.url = url
        } else if let base = value("OTEL_EXPORTER_OTLP_ENDPOINT") {
            settings.url = url(base: base, path: path)
        }
        for variable in ["OTEL_EXPORTER_OTLP_HEADERS", "OTEL_EXPORTER_OTLP_\(signal)_HEADERS"] {
            guard let text = value(variable) else { continue }
            let parsed = KeyValueList.parse(text)
            for pair in parsed.pairs { settings.setHeader(pair.key, pair.value) }
            warnings += parsed.rejected.map { "\(variable): ignoring malformed member '\($0)'" }
        }
        for variable in ["OTEL_EXPORTER_OTLP_TIMEOUT", "OTEL_EXPORTER_OTLP_\(signal)_TIMEOUT"] {
            guard let text = value(variable) else { continue }
            if let ms = Int(text), ms > 0 {
                settings.timeout = .milliseconds(ms)
            } else {
                warnings.append("\(variable): '\(text)' is not a positive number of milliseconds")
            }
        }
        for variable in ["OTEL_EXPORTER_OTLP_COMPRESSION", "OTEL_EXPORTER_OTLP_\(signal)_COMPRESSION"] {
            guard let text = value(variable) else { continue }
            if let compression = OTLPExporterOptions.Compression(rawValue: text.lowercased()) {
                settings.compression = compression
            } else {
                warnings.append("\(variable): '\(text)' is neither gzip nor none")
            }
        }
        for variable in ["OTEL_EXPORTER_OTLP_CERTIFICATE", "OTEL_EXPORTER_OTLP_\(signal)_CERTIFICATE"] {
            if let path = value(variable) { settings.certificatePath = path }
        }
        for variable in ["OTEL_EXPORTER_OTLP_PROTOCOL", "OTEL_EXPORTER_OTLP_\(signal)_PROTOCOL"] {
            if let text = value(variable), text != "http/protobuf" {
                warnings.append("\(variable): '\(text)' is not supported; Tusk exports http/protobuf")
            }
        }
        return settings
    }

    /// Sets a header, replacing one of the same name (compared without case).
    public mutating func setHeader(_ name: String, _ value: String) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        headers.append((name, value))
    }
}
