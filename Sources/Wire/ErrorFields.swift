/// The fields of an ErrorResponse or NoticeResponse body.
///
/// ```
/// ErrorResponse 'E' / NoticeResponse 'N'   (body as captured by the kernel, maybe truncated)
/// +------+-----------+------+-----------+ ... +----+
/// | code | value\0   | code | value\0   |     | \0 |
/// +------+-----------+------+-----------+ ... +----+
///   S severity (localized), V severity, C SQLSTATE, M message, D detail, H hint, P position, …
/// ```
/// https://www.postgresql.org/docs/15/protocol-error-fields.html
public struct ErrorFields: Sendable, Equatable {
    /// Non-localized severity (`V`), else the localized one (`S`): ERROR, FATAL, PANIC, WARNING, NOTICE, …
    public var severity: String?
    /// Five-character SQLSTATE (`C`).
    public var sqlState: String?
    public var message: String?
    public var detail: String?
    public var hint: String?

    public init(severity: String? = nil, sqlState: String? = nil, message: String? = nil, detail: String? = nil, hint: String? = nil) {
        self.severity = severity
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// Decodes what is there; a field cut off by truncation keeps the bytes that arrived.
    public init(body: some Collection<UInt8>) {
        var localizedSeverity: String?
        var index = body.startIndex
        while index != body.endIndex {
            let code = body[index]
            if code == 0 { break }
            index = body.index(after: index)
            let end = body[index...].firstIndex(of: 0) ?? body.endIndex
            let value = String(decoding: body[index..<end], as: UTF8.self)
            switch code {
            case UInt8(ascii: "S"): localizedSeverity = value
            case UInt8(ascii: "V"): severity = value
            case UInt8(ascii: "C"): sqlState = value.count == 5 ? value : nil
            case UInt8(ascii: "M"): message = value
            case UInt8(ascii: "D"): detail = value
            case UInt8(ascii: "H"): hint = value
            default: break
            }
            index = end == body.endIndex ? end : body.index(after: end)
        }
        if severity == nil { severity = localizedSeverity }
    }

    /// SQLSTATE classes 00 (success) and 01 (warning) are not errors; 02 and above are.
    public var isError: Bool {
        guard let sqlState else { return severity.map(Self.errorSeverities.contains) ?? false }
        return !sqlState.hasPrefix("00") && !sqlState.hasPrefix("01")
    }

    /// A warning worth reporting as a status code (class 01, or severity WARNING).
    public var isWarning: Bool {
        if let sqlState, sqlState.hasPrefix("01") { return true }
        return severity == "WARNING"
    }

    private static let errorSeverities: Set<String> = ["ERROR", "FATAL", "PANIC"]
}
