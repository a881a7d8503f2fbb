import ASCII

/// `key=value,key2=value2` as OTEL_EXPORTER_OTLP_HEADERS and OTEL_RESOURCE_ATTRIBUTES write it:
/// members separated by commas, keys and values percent-encoded, surrounding spaces ignored.
public enum KeyValueList {
    /// The members that parse; `rejected` lists the ones that did not (reported, not fatal).
    public static func parse(_ text: String) -> (pairs: [(key: String, value: String)], rejected: [String]) {
        var pairs: [(key: String, value: String)] = []
        var rejected: [String] = []
        for member in text.split(separator: ",", omittingEmptySubsequences: true) {
            let trimmed = member.trimmingOWS
            guard !trimmed.isEmpty else { continue }
            guard let equals = trimmed.firstIndex(of: "="),
                let key = percentDecoded(trimmed[..<equals].trimmingOWS), !key.isEmpty,
                let value = percentDecoded(trimmed[trimmed.index(after: equals)...].trimmingOWS)
            else {
                rejected.append(String(trimmed))
                continue
            }
            pairs.append((key, value))
        }
        return (pairs, rejected)
    }

    /// RFC 3986 percent-decoding; nil for a malformed escape or invalid UTF-8.
    public static func percentDecoded(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == .percent else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next()?.hexValue, let low = iterator.next()?.hexValue else { return nil }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
