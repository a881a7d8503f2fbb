// URL decoding of sqlcommenter keys and values, tolerant of the two ways writers deviate from RFC 3986.
//
// - `%%XX`: OpenTelemetry Python and Google's sqlcommenter-python double every `%` so that
//   pyformat drivers (psycopg2) do not take it for a placeholder. psycopg2 undoes the doubling only
//   when the statement is executed with parameters, so both `%%3A` and `%3A` reach the server.
//   A correctly encoded value never holds two `%` in a row (a literal `%` is `%25`), so `%%` is
//   read as `%`.
// - `+`: Go's url.QueryEscape (otelsql) encodes a space as `+`. The other writers encode `+` as
//   `%2B` and never emit a bare `+`, so `+` is read as a space.
// A `%` not followed by two hex digits is kept as it is.

import ASCII

enum PercentDecoding {
    static func decode(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.contains(where: { $0 == .percent || $0 == .plus }) else {
            return String(decoding: bytes, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        decoded.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == .plus {
                decoded.append(.space)
                index += 1
                continue
            }
            guard byte == .percent else {
                decoded.append(byte)
                index += 1
                continue
            }
            var digits = index + 1
            if digits < bytes.count && bytes[digits] == .percent { digits += 1 }
            if digits + 1 < bytes.count, let high = bytes[digits].hexValue, let low = bytes[digits + 1].hexValue {
                decoded.append(high << 4 | low)
                index = digits + 2
            } else {
                decoded.append(byte)
                index += 1
            }
        }
        return String(decoding: decoded, as: UTF8.self)
    }
}
