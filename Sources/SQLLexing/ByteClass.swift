// The lexical class of each byte value, looked up once per byte by SQLLexer.

import ASCII

/// How the lexer treats each byte value (scan.l: `ident_start`, `self`, `op_chars`, `space`).
public enum ByteClass: UInt8 {
    case space, letter, digit, dot, quote, doubleQuote, dollar, punctuation, operatorCharacter, other

    @inlinable @inline(__always) public static func of(_ byte: UInt8) -> ByteClass {
        unsafeBitCast(table[Int(byte)], to: ByteClass.self)
    }

    /// `ident_cont`: letters, digits, `_`, `$` and every byte ≥ 0x80.
    @inlinable @inline(__always) public static func continuesIdentifier(_ byte: UInt8) -> Bool {
        let kind = of(byte)
        return kind == .letter || kind == .digit || byte == .dollar
    }

    // Filled once by the lazy initializer, read-only afterwards: safe to share between threads.
    @usableFromInline nonisolated(unsafe) static let table: UnsafePointer<UInt8> = {
        let table = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        for byte in 0..<256 {
            let c = UInt8(byte)
            let kind: ByteClass
            switch c {
            case .space, .tab, .newline, .carriageReturn, .formFeed, .verticalTab: kind = .space
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), .underscore, 0x80...0xFF:
                kind = .letter
            case UInt8(ascii: "0")...UInt8(ascii: "9"): kind = .digit
            case .dot: kind = .dot
            case .quote: kind = .quote
            case .doubleQuote: kind = .doubleQuote
            case .dollar: kind = .dollar
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: ","), UInt8(ascii: ";"), UInt8(ascii: "["),
                UInt8(ascii: "]"), UInt8(ascii: ":"):
                kind = .punctuation
            case UInt8(ascii: "~"), UInt8(ascii: "!"), UInt8(ascii: "@"), UInt8(ascii: "#"), UInt8(ascii: "^"),
                UInt8(ascii: "&"), UInt8(ascii: "|"), UInt8(ascii: "`"), UInt8(ascii: "?"), UInt8(ascii: "+"),
                UInt8(ascii: "-"), UInt8(ascii: "*"), UInt8(ascii: "/"), UInt8(ascii: "%"), UInt8(ascii: "<"),
                UInt8(ascii: ">"), UInt8(ascii: "="):
                kind = .operatorCharacter
            default: kind = .other
            }
            table[byte] = kind.rawValue
        }
        return UnsafePointer(table)
    }()
}
