// Names for the ASCII bytes the lexer and writer compare against.

extension UInt8 {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let formFeed: UInt8 = 0x0C
    static let verticalTab: UInt8 = 0x0B
    static let quote = UInt8(ascii: "'")
    static let doubleQuote = UInt8(ascii: "\"")
    static let dollar = UInt8(ascii: "$")
    static let backslash = UInt8(ascii: "\\")
    static let ampersand = UInt8(ascii: "&")
    static let minus = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let slash = UInt8(ascii: "/")
    static let star = UInt8(ascii: "*")
    static let dotByte = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let semicolon = UInt8(ascii: ";")
    static let openParenthesis = UInt8(ascii: "(")
    static let closeParenthesis = UInt8(ascii: ")")
    static let underscore = UInt8(ascii: "_")
    static let questionMark = UInt8(ascii: "?")
    static let e = UInt8(ascii: "e")
    static let n = UInt8(ascii: "n")
    static let b = UInt8(ascii: "b")
    static let x = UInt8(ascii: "x")
    static let u = UInt8(ascii: "u")
    static let i = UInt8(ascii: "i")
}
