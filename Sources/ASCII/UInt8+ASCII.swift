// Names and classes of the ASCII bytes that byte-level parsers compare against. Computed and
// inlinable, so that a comparison in another module's loop is a comparison with a constant.

extension UInt8 {
    @inlinable public static var tab: UInt8 { UInt8(ascii: "\t") }
    @inlinable public static var newline: UInt8 { UInt8(ascii: "\n") }
    @inlinable public static var verticalTab: UInt8 { 0x0B }
    @inlinable public static var formFeed: UInt8 { 0x0C }
    @inlinable public static var carriageReturn: UInt8 { UInt8(ascii: "\r") }
    @inlinable public static var space: UInt8 { UInt8(ascii: " ") }
    @inlinable public static var doubleQuote: UInt8 { UInt8(ascii: "\"") }
    @inlinable public static var dollar: UInt8 { UInt8(ascii: "$") }
    @inlinable public static var percent: UInt8 { UInt8(ascii: "%") }
    @inlinable public static var ampersand: UInt8 { UInt8(ascii: "&") }
    @inlinable public static var quote: UInt8 { UInt8(ascii: "'") }
    @inlinable public static var openParenthesis: UInt8 { UInt8(ascii: "(") }
    @inlinable public static var closeParenthesis: UInt8 { UInt8(ascii: ")") }
    @inlinable public static var star: UInt8 { UInt8(ascii: "*") }
    @inlinable public static var plus: UInt8 { UInt8(ascii: "+") }
    @inlinable public static var comma: UInt8 { UInt8(ascii: ",") }
    @inlinable public static var minus: UInt8 { UInt8(ascii: "-") }
    @inlinable public static var dot: UInt8 { UInt8(ascii: ".") }
    @inlinable public static var slash: UInt8 { UInt8(ascii: "/") }
    @inlinable public static var semicolon: UInt8 { UInt8(ascii: ";") }
    @inlinable public static var equals: UInt8 { UInt8(ascii: "=") }
    @inlinable public static var questionMark: UInt8 { UInt8(ascii: "?") }
    @inlinable public static var at: UInt8 { UInt8(ascii: "@") }
    @inlinable public static var backslash: UInt8 { UInt8(ascii: "\\") }
    @inlinable public static var underscore: UInt8 { UInt8(ascii: "_") }
    @inlinable public static var tilde: UInt8 { UInt8(ascii: "~") }
    // Letters in lowercase: `byte | 0x20 == .e` matches `e` and `E`.
    @inlinable public static var b: UInt8 { UInt8(ascii: "b") }
    @inlinable public static var e: UInt8 { UInt8(ascii: "e") }
    @inlinable public static var i: UInt8 { UInt8(ascii: "i") }
    @inlinable public static var n: UInt8 { UInt8(ascii: "n") }
    @inlinable public static var u: UInt8 { UInt8(ascii: "u") }
    @inlinable public static var x: UInt8 { UInt8(ascii: "x") }

    @inlinable public var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    @inlinable public var isLowercaseLetter: Bool { self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z") }
    @inlinable public var isLetter: Bool { isLowercaseLetter || (self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z")) }
}
