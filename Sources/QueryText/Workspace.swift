// The scratch state one QueryAnalyzer reuses for every statement, so a cache hit allocates nothing.

import SQLLexing

/// Buffers filled by `prepare` for the current text: its tokens, its redactions and the
/// literal-free key. Owned by a single analyzer on a single thread.
final class Workspace {
    let tokens = ScratchBuffer<SQLToken>(capacity: 256)
    let redactions = ScratchBuffer<Redaction>(capacity: 64)
    /// The text with every literal replaced: the cache key, and the sanitized text unless
    /// PostgreSQL's own scanner finds more to hide.
    let key = ScratchBuffer<UInt8>(capacity: 4096)
    /// Scratch for a second lexing pass, merges, NUL-terminated copies and output texts.
    let alternateTokens = ScratchBuffer<SQLToken>(capacity: 64)
    let alternateRedactions = ScratchBuffer<Redaction>(capacity: 16)
    let spareRedactions = ScratchBuffer<Redaction>(capacity: 64)
    let cString = ScratchBuffer<UInt8>(capacity: 4096)
    let output = ScratchBuffer<UInt8>(capacity: 4096)

    /// Lexes `text`, plans its redactions and writes the key.
    func prepare(_ text: UnsafeBufferPointer<UInt8>, captureTruncated: Bool) {
        var lexer = SQLLexer()
        lexer.tokenize(text, into: tokens)
        LiteralRedactor.plan(tokens: tokens, text: text, captureTruncated: captureTruncated, into: redactions)
        if lexer.sawBackslashInPlainString {
            // A server with standard_conforming_strings = off ends '…' strings elsewhere ('it\'s');
            // hide what either reading calls a literal.
            var alternate = SQLLexer()
            alternate.backslashEscapesInPlainStrings = true
            alternate.tokenize(text, into: alternateTokens)
            LiteralRedactor.plan(tokens: alternateTokens, text: text, captureTruncated: captureTruncated, into: alternateRedactions)
            LiteralRedactor.merge(alternateRedactions.buffer, into: redactions, spare: spareRedactions)
        }
        key.removeAll()
        SanitizedTextWriter.write(text, range: 0..<text.count, redactions: redactions, into: key)
    }

    /// `text` followed by a NUL byte, for libpg_query; the returned buffer's count excludes the NUL.
    func nulTerminated(_ text: UnsafeBufferPointer<UInt8>) -> UnsafeBufferPointer<UInt8> {
        cString.removeAll()
        cString.append(contentsOf: text)
        cString.append(0)
        return UnsafeBufferPointer(start: cString.base, count: text.count)
    }

    var removedTail: Bool {
        redactions.count > 0 && redactions[redactions.count - 1].replacement == .removed
    }
}
