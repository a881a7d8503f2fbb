// One token of PostgreSQL SQL text as SQLLexer sees it: a byte range and a kind.

/// A token: bytes `start..<end` of the text. Whitespace is not a token.
public struct SQLToken {
    public enum Kind: UInt8 {
        /// Unquoted identifier or keyword.
        case word
        /// `"…"` or `U&"…"`.
        case quotedIdentifier
        /// `'…'`, `E'…'`, `N'…'`, `U&'…'` or `$tag$…$tag$`: a literal.
        case string
        /// `B'…'` or `X'…'`: a literal.
        case bitString
        /// Integer or numeric constant, in any of PostgreSQL's spellings: a literal.
        case number
        /// `$1`: a parameter marker, kept in sanitized text.
        case parameter
        /// `-- …` or `/* … */`.
        case comment
        /// One of `( ) , ; [ ] . :`.
        case punctuation
        /// A run of operator characters (`+`, `<=`, `::` is two punctuation tokens instead).
        case `operator`
        /// A string, quoted identifier, dollar-quoted body or comment the text ends inside of.
        case unterminated
        /// Any other byte.
        case other
    }

    public var start: Int
    public var end: Int
    public var kind: Kind

    @inlinable public var isLiteral: Bool { kind == .string || kind == .bitString || kind == .number }
}
