// Finds the block comments of PostgreSQL text the way PostgreSQL's lexer does, so that `/*` inside a
// string, a dollar quote, a quoted identifier or a `--` line comment is not taken for a comment.
//
// The lexical rules followed (src/backend/parser/scan.l, PostgreSQL 17;
// https://www.postgresql.org/docs/current/sql-syntax-lexical.html):
//   'text''more'        standard string: '' is a quote; backslash is literal
//                       (standard_conforming_strings = on, the default since 9.1)
//   E'it\'s'            escape string: backslash escapes the next byte, '' still a quote; the E
//                       must start a token (not end an identifier such as `some'…'`)
//   U&'…', B'…', X'…'   as standard strings
//   "col""name"         quoted identifier: "" is a quote
//   $tag$ … $tag$       dollar quote: tag empty or [A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*; the $
//                       must not continue an identifier (`a$b$`), and `$1` is a parameter
//   -- …                line comment to the end of the line
//   /* … /* … */ … */   block comment; block comments nest
// Text cut short (a truncated capture) leaves its last string or comment open: nothing in an open
// string is a comment, and an unclosed comment is no comment.

enum SQLBlockCommentScanner {
    /// The byte ranges of the complete top-level block comments (`/*` through `*/`), in order.
    static func blockComments(in text: UnsafeBufferPointer<UInt8>) -> [Range<Int>] {
        var comments: [Range<Int>] = []
        let count = text.count
        var index = 0
        while index < count {
            let byte = text[index]
            switch byte {
            case .quote:
                let escapes = index > 0 && (text[index - 1] | 0x20) == UInt8(ascii: "e")
                    && (index < 2 || !text[index - 2].continuesSQLIdentifier)
                index = endOfQuoted(text, from: index + 1, quote: .quote, backslashEscapes: escapes)
            case .doubleQuote:
                index = endOfQuoted(text, from: index + 1, quote: .doubleQuote, backslashEscapes: false)
            case .dollar:
                if index > 0 && text[index - 1].continuesSQLIdentifier {
                    index += 1
                } else {
                    index = endOfDollarQuote(text, from: index) ?? index + 1
                }
            case .minus where index + 1 < count && text[index + 1] == .minus:
                index = endOfLine(text, from: index + 2)
            case .slash where index + 1 < count && text[index + 1] == .star:
                guard let end = endOfBlockComment(text, from: index + 2) else { return comments }
                comments.append(index..<end)
                index = end
            default:
                index += 1
            }
        }
        return comments
    }

    /// The index after the closing quote; the end of the text when the quote never closes.
    private static func endOfQuoted(
        _ text: UnsafeBufferPointer<UInt8>, from start: Int, quote: UInt8, backslashEscapes: Bool
    ) -> Int {
        var index = start
        while index < text.count {
            let byte = text[index]
            if byte == .backslash && backslashEscapes {
                index += 2
            } else if byte == quote {
                // A doubled quote stands for one quote and does not end the literal.
                if index + 1 < text.count && text[index + 1] == quote {
                    index += 2
                } else {
                    return index + 1
                }
            } else {
                index += 1
            }
        }
        return text.count
    }

    /// The index after a dollar-quoted string that opens at `start`, or nil when the `$` there
    /// opens none (a parameter `$1`, a lone `$`). An unclosed dollar quote runs to the end.
    private static func endOfDollarQuote(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var index = start + 1
        if index < text.count && !text[index].isDigit && text[index] != .dollar {
            guard text[index].continuesSQLIdentifier else { return nil }
            while index < text.count && text[index].continuesSQLIdentifier && text[index] != .dollar {
                index += 1
            }
        }
        guard index < text.count && text[index] == .dollar else { return nil }
        let delimiter = start...index
        let delimiterLength = delimiter.count
        var search = index + 1
        while search + delimiterLength <= text.count {
            if text[search] == .dollar
                && (0..<delimiterLength).allSatisfy({ text[search + $0] == text[delimiter.lowerBound + $0] })
            {
                return search + delimiterLength
            }
            search += 1
        }
        return text.count
    }

    private static func endOfLine(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int {
        var index = start
        while index < text.count && text[index] != .newline && text[index] != .carriageReturn {
            index += 1
        }
        return index
    }

    /// The index after the `*/` that closes a comment opened just before `start`, counting nested
    /// comments; nil when the text ends first.
    private static func endOfBlockComment(_ text: UnsafeBufferPointer<UInt8>, from start: Int) -> Int? {
        var depth = 1
        var index = start
        while index + 1 < text.count {
            if text[index] == .star && text[index + 1] == .slash {
                depth -= 1
                index += 2
                if depth == 0 { return index }
            } else if text[index] == .slash && text[index + 1] == .star {
                depth += 1
                index += 2
            } else {
                index += 1
            }
        }
        return nil
    }
}
