// The W3C `tracestate` value, checked and kept as a string for the span's trace_state field.
//
//   rojo=00f067aa0ba902b7, congo=t61rcWkgMzE,ot=th:8;rv:7479cfb506891d
//   list        = list-member 0*31( OWS "," OWS list-member )      at most 32 members
//   list-member = key "=" value / OWS                              empty members allowed
//   key         = ( lcalpha / DIGIT ) 0*255( keychar )             keychar: a-z 0-9 _ - * / @
//   value       = 0*255( chr ) nblk-chr                            printable ASCII but , and =,
//                                                                  not ending in a space
// https://www.w3.org/TR/trace-context-2/#tracestate-header

import ASCII

/// A tracestate value that passed validation.
public struct TraceState: Sendable, Hashable {
    /// The value, without surrounding spaces and tabs.
    public let value: String

    /// The OpenTelemetry explicit randomness value: the `rv` sub-key (exactly 14 lowercase hex
    /// digits) of the `ot` member, e.g. `ot=th:8;rv:7479cfb506891d` (OpenTelemetry specification,
    /// trace/tracestate-handling.md). Samplers read it instead of the trace id when present.
    public let explicitRandomness: UInt64?

    /// Validates a tracestate value. Nil when it is malformed, longer than 512 bytes, has more
    /// than 32 members or a repeated key (W3C "Combined Header Value": one entry per key), or holds no member at
    /// all: an empty tracestate is valid but carries nothing worth keeping.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard let (value, randomness) = utf8.withContiguousStorageIfAvailable(Self.validated)
            ?? Array(utf8).withUnsafeBufferPointer(Self.validated)
        else { return nil }
        self.value = value
        explicitRandomness = randomness
    }

    /// The value without its surrounding OWS and its explicit randomness, when every member is
    /// valid.
    private static func validated(_ bytes: UnsafeBufferPointer<UInt8>) -> (String, UInt64?)? {
        guard bytes.count <= 512 else { return nil }
        var keys: [Range<Int>] = []
        var randomness: UInt64?
        var memberStart = 0
        while memberStart <= bytes.count {
            let memberEnd = bytes[memberStart...].firstIndex(of: .comma) ?? bytes.count
            let member = trimmingOWS(bytes, memberStart..<memberEnd)
            if !member.isEmpty {
                guard let key = validKey(bytes, member), keys.count < 32,
                    !keys.contains(where: { bytes[$0].elementsEqual(bytes[key]) })
                else { return nil }
                keys.append(key)
                if bytes[key].elementsEqual("ot".utf8) {
                    randomness = explicitRandomness(bytes[(key.upperBound + 1)..<member.upperBound])
                }
            }
            memberStart = memberEnd + 1
        }
        guard !keys.isEmpty else { return nil }
        let trimmed = UnsafeBufferPointer(rebasing: bytes[trimmingOWS(bytes, 0..<bytes.count)])
        return (String(decoding: trimmed, as: UTF8.self), randomness)
    }

    /// The `rv:` sub-key of an `ot` value (`;`-separated `key:value` pairs).
    private static func explicitRandomness(_ ot: Slice<UnsafeBufferPointer<UInt8>>) -> UInt64? {
        for entry in ot.split(separator: UInt8(ascii: ";")) where entry.starts(with: "rv:".utf8) {
            let digits = entry.dropFirst(3)
            guard digits.count == 14 else { return nil }
            return digits.lowercaseHexValue
        }
        return nil
    }

    /// The value of the member with this key.
    public func member(_ key: String) -> Substring? {
        for member in value.split(separator: ",") {
            let trimmed = member.trimmingOWS
            guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == key else { continue }
            return trimmed[trimmed.index(after: equals)...]
        }
        return nil
    }

    /// The key of a `key=value` member when both halves are valid.
    private static func validKey(_ bytes: UnsafeBufferPointer<UInt8>, _ member: Range<Int>) -> Range<Int>? {
        guard let equals = bytes[member].firstIndex(of: .equals) else { return nil }
        let key = member.lowerBound..<equals
        let value = (equals + 1)..<member.upperBound
        guard let first = bytes[key].first, first.isLowercaseLetter || first.isDigit, key.count <= 256,
            bytes[key].allSatisfy(isKeyByte),
            let last = bytes[value].last, last != .space, value.count <= 256,
            bytes[value].allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && $0 != .comma && $0 != .equals })
        else { return nil }
        return key
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        byte.isLowercaseLetter || byte.isDigit || byte == .underscore || byte == .minus || byte == .star
            || byte == .slash || byte == .at
    }

    /// `range` without the optional whitespace (spaces, tabs) around it.
    private static func trimmingOWS(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && (bytes[lower] == .space || bytes[lower] == .tab) { lower += 1 }
        while upper > lower && (bytes[upper - 1] == .space || bytes[upper - 1] == .tab) { upper -= 1 }
        return lower..<upper
    }
}
