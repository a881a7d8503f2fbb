// A single pass over SQL bytes that splits them into tokens the way PostgreSQL's scanner (scan.l)
// does, for sanitizing and hashing every statement without calling into libpg_query, and for finding
// the comments a sqlcommenter writer added.

import ASCII

/// PostgreSQL's lexical rules, reduced to what finding literals and comments needs.
///
/// Where PostgreSQL versions differ the lexer takes the reading that hides more: numbers swallow
/// trailing letters, digits, `_` and `.` (PostgreSQL 16 accepts `0x1F` and `1_000`; 15 rejects
/// "trailing junk"), so no part of a number survives sanitizing. A text ending inside a string,
/// quoted identifier, dollar-quoted body or comment yields a final `.unterminated` token.
public struct SQLLexer {
    /// Whether the lexer reads `'…'` with backslash escapes, as a server with
    /// `standard_conforming_strings = off` does (PostgreSQL's default has been `on` since 9.1).
    public var backslashEscapesInPlainStrings = false

    /// Set by `tokenize` when a plain `'…'` string held a backslash: the one case where the setting
    /// above changes where literals end.
    public private(set) var sawBackslashInPlainString = false

    public init() {}

    /// Appends the tokens of `text` to `tokens` (which it clears first).
    public mutating func tokenize(_ text: UnsafeBufferPointer<UInt8>, into tokens: ScratchBuffer<SQLToken>) {
        tokens.removeAll()
        sawBackslashInPlainString = false
        guard let p = text.baseAddress else { return }
        let n = text.count
        var i = 0
        while i < n {
            let c = p[i]
            let start = i
            let kind: SQLToken.Kind
            switch ByteClass.of(c) {
            case .space:
                i += 1
                continue
            case .letter:
                let next: UInt8 = i + 1 < n ? p[i + 1] : 0
                let lower = c | 0x20
                if next == .quote && (lower == .e || lower == .n || lower == .b || lower == .x) {
                    let quoted: QuotedEnd
                    switch lower {
                    case .e: quoted = scanString(p, n, from: i + 1, backslashes: true, doubling: true)
                    case .n: quoted = scanString(p, n, from: i + 1, backslashes: backslashEscapesInPlainStrings, doubling: true)
                    default: quoted = scanString(p, n, from: i + 1, backslashes: false, doubling: false)
                    }
                    i = quoted.end
                    kind = quoted.terminated ? (lower == .e || lower == .n ? .string : .bitString) : .unterminated
                } else if lower == .u && next == .ampersand && i + 2 < n && (p[i + 2] == .quote || p[i + 2] == .doubleQuote) {
                    if p[i + 2] == .quote {
                        // U&'…' escapes with backslash-hex sequences, not backslash-quote.
                        let quoted = scanString(p, n, from: i + 2, backslashes: false, doubling: true)
                        i = quoted.end
                        kind = quoted.terminated ? .string : .unterminated
                    } else {
                        let quoted = scanQuotedIdentifier(p, n, from: i + 2)
                        i = quoted.end
                        kind = quoted.terminated ? .quotedIdentifier : .unterminated
                    }
                } else {
                    i += 1
                    while i < n && ByteClass.continuesIdentifier(p[i]) { i += 1 }
                    kind = .word
                }
            case .digit:
                i = scanNumber(p, n, from: i)
                kind = .number
            case .dot:
                if i + 1 < n && ByteClass.of(p[i + 1]) == .digit {
                    i = scanNumber(p, n, from: i)
                    kind = .number
                } else {
                    i += 1
                    kind = .punctuation
                }
            case .quote:
                let quoted = scanString(p, n, from: i, backslashes: backslashEscapesInPlainStrings, doubling: true)
                i = quoted.end
                kind = quoted.terminated ? .string : .unterminated
            case .doubleQuote:
                let quoted = scanQuotedIdentifier(p, n, from: i)
                i = quoted.end
                kind = quoted.terminated ? .quotedIdentifier : .unterminated
            case .dollar:
                (i, kind) = scanDollar(p, n, from: i)
            case .punctuation:
                i += 1
                kind = .punctuation
            case .operatorCharacter:
                let next: UInt8 = i + 1 < n ? p[i + 1] : 0
                if c == .minus && next == .minus {
                    i += 2
                    while i < n && p[i] != .newline && p[i] != .carriageReturn { i += 1 }
                    kind = .comment
                } else if c == .slash && next == .star {
                    let comment = scanBlockComment(p, n, from: i)
                    i = comment.end
                    kind = comment.terminated ? .comment : .unterminated
                } else {
                    i += 1
                    while i < n && ByteClass.of(p[i]) == .operatorCharacter && !startsComment(p, n, at: i) { i += 1 }
                    kind = .operator
                }
            case .other:
                i += 1
                kind = .other
            }
            tokens.append(SQLToken(start: start, end: i, kind: kind))
        }
    }

    private struct QuotedEnd {
        var end: Int
        var terminated: Bool
    }

    @inline(__always)
    private func startsComment(_ p: UnsafePointer<UInt8>, _ n: Int, at i: Int) -> Bool {
        guard i + 1 < n else { return false }
        return (p[i] == .minus && p[i + 1] == .minus) || (p[i] == .slash && p[i + 1] == .star)
    }

    /// A quoted string starting at the quote `from`. `doubling`: `''` stands for one quote (not in
    /// B'' and X''). `backslashes`: a backslash escapes the next byte (E'' always).
    private mutating func scanString(
        _ p: UnsafePointer<UInt8>, _ n: Int, from: Int, backslashes: Bool, doubling: Bool
    ) -> QuotedEnd {
        var j = from + 1
        while j < n {
            let b = p[j]
            if b == .quote {
                if doubling && j + 1 < n && p[j + 1] == .quote {
                    j += 2
                    continue
                }
                if let resumed = continuation(p, n, after: j + 1) {
                    j = resumed + 1
                    continue
                }
                return QuotedEnd(end: j + 1, terminated: true)
            }
            if b == .backslash {
                if !backslashes { sawBackslashInPlainString = true }
                if backslashes {
                    j += 2
                    continue
                }
            }
            j += 1
        }
        return QuotedEnd(end: n, terminated: false)
    }

    /// PostgreSQL joins `'a'` newline `'b'` into one string: quotes separated by whitespace holding
    /// a newline (and `--` comments). Returns the index of the resuming quote.
    private func continuation(_ p: UnsafePointer<UInt8>, _ n: Int, after: Int) -> Int? {
        var k = after
        var sawNewline = false
        while k < n {
            let b = p[k]
            if b == .newline || b == .carriageReturn {
                sawNewline = true
                k += 1
            } else if b == .space || b == .tab || b == .formFeed || b == .verticalTab {
                k += 1
            } else if b == .minus && k + 1 < n && p[k + 1] == .minus {
                while k < n && p[k] != .newline && p[k] != .carriageReturn { k += 1 }
            } else {
                break
            }
        }
        return sawNewline && k < n && p[k] == .quote ? k : nil
    }

    private func scanQuotedIdentifier(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> QuotedEnd {
        var j = from + 1
        while j < n {
            if p[j] == .doubleQuote {
                if j + 1 < n && p[j + 1] == .doubleQuote {
                    j += 2
                    continue
                }
                return QuotedEnd(end: j + 1, terminated: true)
            }
            j += 1
        }
        return QuotedEnd(end: n, terminated: false)
    }

    /// Block comments nest in PostgreSQL: `/* a /* b */ c */` is one comment.
    private func scanBlockComment(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> QuotedEnd {
        var depth = 0
        var j = from
        while j + 1 < n {
            if p[j] == .slash && p[j + 1] == .star {
                depth += 1
                j += 2
            } else if p[j] == .star && p[j + 1] == .slash {
                depth -= 1
                j += 2
                if depth == 0 { return QuotedEnd(end: j, terminated: true) }
            } else {
                j += 1
            }
        }
        return QuotedEnd(end: n, terminated: false)
    }

    /// Digits, then any letters, digits, `_`, `.` and bytes ≥ 0x80 (see the type's comment), and a
    /// sign right after an exponent's `e`.
    private func scanNumber(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> Int {
        var j = from + 1
        while j < n {
            let b = p[j]
            switch ByteClass.of(b) {
            case .digit, .letter, .dot:
                j += 1
            case .operatorCharacter where (b == .plus || b == .minus) && (p[j - 1] | 0x20) == .e
                && j + 1 < n && ByteClass.of(p[j + 1]) == .digit:
                j += 1
            default:
                return j
            }
        }
        return j
    }

    /// `$1` (a parameter), `$$…$$` or `$tag$…$tag$` (a string), or a lone `$`.
    private func scanDollar(_ p: UnsafePointer<UInt8>, _ n: Int, from: Int) -> (Int, SQLToken.Kind) {
        var j = from + 1
        if j < n && ByteClass.of(p[j]) == .digit {
            while j < n && ByteClass.of(p[j]) == .digit { j += 1 }
            return (j, .parameter)
        }
        // A tag is an identifier without `$`.
        if j < n && ByteClass.of(p[j]) == .letter {
            j += 1
            while j < n && (ByteClass.of(p[j]) == .letter || ByteClass.of(p[j]) == .digit) { j += 1 }
        }
        guard j < n && p[j] == .dollar else { return (from + 1, .other) }
        let tagLength = j + 1 - from
        var k = j + 1
        while k + tagLength <= n {
            if p[k] == .dollar && memoryEqual(p + k, p + from, tagLength) { return (k + tagLength, .string) }
            k += 1
        }
        return (n, .unterminated)
    }

    @inline(__always)
    private func memoryEqual(_ a: UnsafePointer<UInt8>, _ b: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        for offset in 0..<count where a[offset] != b[offset] { return false }
        return true
    }
}
