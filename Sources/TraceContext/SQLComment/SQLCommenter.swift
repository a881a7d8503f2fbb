// Finding the sqlcommenter comment in captured statement text: the entry point the span code calls
// for every statement, so text without any `/*` costs one quick scan and nothing else.

import ASCII
import SQLLexing

/// Reads sqlcommenter comments (https://google.github.io/sqlcommenter/spec/) out of SQL text.
///
/// Formats read, as their writers produce them:
/// - OpenTelemetry Python dbapi/psycopg2 (`enable_commenter=True`): ` /*db_driver='psycopg2%%3A2.9.9',
///   dbapi_level='2.0',dbapi_threadsafety=2,…,traceparent='00-…-01'*/` placed before a trailing `;`,
///   `%` doubled, integers unquoted.
/// - Node `@opentelemetry/instrumentation-pg` (`addSqlCommenterCommentToQueries`):
///   ` /*traceparent='00-…-01',tracestate='rojo%3D00f067aa0ba902b7'*/` after the whole text.
/// - OpenTelemetry Java agent JDBC: ` /*traceparent='00-…-01', tracestate='…'*/` (comma and space),
///   or `/*…*/ ` before the statement in prepend mode.
/// - Go otelsql `WithSQLCommenter`: ` /*tracestate='…',traceparent='00-…-01'*/`, keys unsorted,
///   url.QueryEscape (space as `+`).
/// - Google sqlcommenter-python psycopg2: `SELECT 1; /*…*/` (after the `;`).
///
/// A comment anywhere in the text counts, but only a block comment whose whole inside is
/// key/value pairs; when there are several, the last one wins.
public enum SQLCommenter {
    /// The last sqlcommenter comment in `text`, or nil when there is none (including when the
    /// comment was cut off by truncation).
    public static func parse(_ text: some Collection<UInt8>) -> SQLComment? {
        if let found = text.withContiguousStorageIfAvailable(parse(buffer:)) { return found }
        return Array(text).withUnsafeBufferPointer(parse(buffer:))
    }

    /// The last sqlcommenter comment in `text`; offsets count UTF-8 bytes.
    public static func parse(_ text: String) -> SQLComment? {
        parse(text.utf8)
    }

    /// `text` without its sqlcommenter comment; `text` unchanged when it has none.
    public static func strip(_ text: String) -> String {
        parse(text)?.removed(from: text) ?? text
    }

    /// `text` without its sqlcommenter comment; `text` unchanged when it has none.
    public static func strip(_ text: [UInt8]) -> [UInt8] {
        parse(text)?.removed(from: text) ?? text
    }

    static func parse(buffer text: UnsafeBufferPointer<UInt8>) -> SQLComment? {
        guard containsCommentOpener(text) else { return nil }
        // The lexer's rules keep `/*` inside a string, a dollar quote, a quoted identifier or a `--`
        // comment from counting, and make an unclosed comment (a truncated capture) no comment.
        let tokens = ScratchBuffer<SQLToken>(capacity: 64)
        var lexer = SQLLexer()
        lexer.tokenize(text, into: tokens)
        for index in (0..<tokens.count).reversed() {
            let token = tokens[index]
            guard token.kind == .comment && text[token.start] == .slash else { continue }
            let inside = (token.start + 2)..<(token.end - 2)
            guard let pairs = SQLCommentContent.pairs(text, in: inside) else { continue }
            let range = token.start..<token.end
            return SQLComment(pairs: pairs, commentRange: range, removalRange: removalRange(of: range, in: text))
        }
        return nil
    }

    private static func removalRange(of comment: Range<Int>, in text: UnsafeBufferPointer<UInt8>) -> Range<Int> {
        if comment.lowerBound > 0 && text[comment.lowerBound - 1] == .space {
            return (comment.lowerBound - 1)..<comment.upperBound
        }
        if comment.lowerBound == 0 && comment.upperBound < text.count && text[comment.upperBound] == .space {
            return comment.lowerBound..<(comment.upperBound + 1)
        }
        return comment
    }

    /// Whether `/*` occurs anywhere. Statements without comments are the common case; this looks
    /// at eight bytes at a time for a `/` (SWAR zero-byte test) and checks the next byte only
    /// where one is found.
    static func containsCommentOpener(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = text.baseAddress, text.count >= 2 else { return false }
        let raw = UnsafeRawPointer(base)
        let count = text.count
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let slashes = ones &* UInt64(UInt8.slash)
        var index = 0
        // The last byte can only close a pair, so words stop one byte short of the end.
        while index + 8 < count {
            let word = raw.loadUnaligned(fromByteOffset: index, as: UInt64.self) ^ slashes
            if (word &- ones) & ~word & highs != 0 {
                for offset in index..<(index + 8) where text[offset] == .slash && text[offset + 1] == .star {
                    return true
                }
            }
            index += 8
        }
        while index + 1 < count {
            if text[index] == .slash && text[index + 1] == .star { return true }
            index += 1
        }
        return false
    }
}
