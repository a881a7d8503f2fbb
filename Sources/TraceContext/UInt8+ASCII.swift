// Names for the ASCII bytes the comment scanner and the W3C parsers compare against.

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let quote = UInt8(ascii: "'")
    static let doubleQuote = UInt8(ascii: "\"")
    static let dollar = UInt8(ascii: "$")
    static let backslash = UInt8(ascii: "\\")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*")
    static let percent = UInt8(ascii: "%")
    static let equals = UInt8(ascii: "=")
    static let comma = UInt8(ascii: ",")
    static let dot = UInt8(ascii: ".")
    static let underscore = UInt8(ascii: "_")
    static let tilde = UInt8(ascii: "~")
    static let at = UInt8(ascii: "@")

    /// PostgreSQL's `space` class (scan.l): space and 0x09…0x0D (tab, newline, vertical tab, form
    /// feed, carriage return).
    var isSQLWhitespace: Bool {
        self == .space || (self >= .tab && self <= .carriageReturn)
    }

    var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    var isLowercaseLetter: Bool { self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z") }
    var isLetter: Bool { isLowercaseLetter || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) }

    /// PostgreSQL's `ident_cont`: letters, digits, `_`, `$` and every byte ≥ 0x80.
    var continuesSQLIdentifier: Bool {
        isLetter || isDigit || self == .underscore || self == .dollar || self >= 0x80
    }

    /// The value of a lowercase hex digit (W3C `HEXDIGLC`); uppercase digits are not accepted.
    var lowercaseHexValue: UInt8? {
        if isDigit { return self &- UInt8(ascii: "0") }
        if self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f") { return self &- UInt8(ascii: "a") &+ 10 }
        return nil
    }

    /// The value of a hex digit in either case (percent-encoding allows both, RFC 3986 §2.1).
    var hexValue: UInt8? {
        if let value = lowercaseHexValue { return value }
        if self >= UInt8(ascii: "A") && self <= UInt8(ascii: "F") { return self &- UInt8(ascii: "A") &+ 10 }
        return nil
    }
}
