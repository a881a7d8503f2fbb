// Hex digits: one byte's value, and the value of a run of lowercase digits.

extension UInt8 {
    /// The value of a lowercase hex digit (W3C `HEXDIGLC`); uppercase digits are not accepted.
    @inlinable public var lowercaseHexValue: UInt8? {
        if isDigit { return self &- UInt8(ascii: "0") }
        if self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f") { return self &- UInt8(ascii: "a") &+ 10 }
        return nil
    }

    /// The value of a hex digit in either case (percent-encoding allows both, RFC 3986 §2.1).
    @inlinable public var hexValue: UInt8? {
        if let value = lowercaseHexValue { return value }
        if self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F") { return self &- UInt8(ascii: "A") &+ 10 }
        return nil
    }
}

extension Sequence<UInt8> {
    /// The value of these lowercase hex digits, at most 16 of them (W3C trace ids, span ids and
    /// randomness); nil when one is not a lowercase hex digit.
    @inlinable public var lowercaseHexValue: UInt64? {
        var value: UInt64 = 0
        for byte in self {
            guard let digit = byte.lowercaseHexValue else { return nil }
            value = value << 4 | UInt64(digit)
        }
        return value
    }
}
