// Decides which bytes of a query text sanitized output hides, from the lexer's tokens.

import ASCII
import SQLLexing

/// The redaction rules (OpenTelemetry semantic conventions v1.44.0, database-spans.md,
/// "Sanitization of `db.query.text`"):
/// - every literal token (string of any flavour, bit string, number) becomes `?`; `$n` parameters,
///   identifiers, keywords (NULL, TRUE, FALSE, DATE …) and comments stay;
/// - `IN (lit, lit, …)`, each element a literal with an optional sign, becomes `IN (?)` (the
///   conventions allow collapsing IN-lists; it keeps one cache entry and one text per query shape);
/// - a text ending inside a string, quoted identifier, dollar-quoted body or comment loses that
///   last token; when the capture was cut, the last token is dropped too unless whitespace follows
///   it, because it may be the front half of a longer token.
enum LiteralRedactor {
    /// Appends the redactions for `tokens` of `text` to `redactions` (cleared first), in order.
    static func plan(
        tokens: ScratchBuffer<SQLToken>,
        text: UnsafeBufferPointer<UInt8>,
        captureTruncated: Bool,
        into redactions: ScratchBuffer<Redaction>
    ) {
        redactions.removeAll()
        var limit = tokens.count
        var removedFrom: Int?
        if limit > 0 {
            let last = tokens[limit - 1]
            if last.kind == .unterminated || (captureTruncated && last.end == text.count) {
                removedFrom = last.start
                limit -= 1
            }
        }
        var i = 0
        while i < limit {
            let token = tokens[i]
            if token.isLiteral {
                redactions.append(Redaction(start: token.start, end: token.end, replacement: .placeholder))
            } else if token.kind == .word && isIn(token, text), let close = collapsibleList(tokens, text, open: i + 1, limit: limit) {
                redactions.append(Redaction(start: tokens[i + 1].start, end: tokens[close].end, replacement: .collapsedList))
                i = close
            }
            i += 1
        }
        if let removedFrom {
            redactions.append(Redaction(start: removedFrom, end: text.count, replacement: .removed))
        }
    }

    /// Adds `extra` (sorted by start) to `redactions` (sorted, disjoint), merging overlaps, so a
    /// literal that any source found stays hidden. Where two redactions overlap the merged one
    /// removes if either removes, keeps a collapsed list that fully contains the other, and is a
    /// `?` otherwise. Uses `spare` as scratch.
    static func merge(_ extra: UnsafeBufferPointer<Redaction>, into redactions: ScratchBuffer<Redaction>, spare: ScratchBuffer<Redaction>) {
        guard !extra.isEmpty else { return }
        spare.removeAll()
        var a = 0
        var b = 0
        func push(_ next: Redaction) {
            guard spare.count > 0, next.start < spare[spare.count - 1].end else {
                spare.append(next)
                return
            }
            var last = spare[spare.count - 1]
            let contained = next.end <= last.end
            last.end = max(last.end, next.end)
            if next.replacement == .removed || last.replacement == .removed {
                last.replacement = .removed
            } else if !contained {
                last.replacement = .placeholder
            }
            spare[spare.count - 1] = last
        }
        while a < redactions.count || b < extra.count {
            if b == extra.count || (a < redactions.count && redactions[a].start <= extra[b].start) {
                push(redactions[a])
                a += 1
            } else {
                push(extra[b])
                b += 1
            }
        }
        redactions.removeAll()
        for index in 0..<spare.count { redactions.append(spare[index]) }
    }

    private static func isIn(_ token: SQLToken, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        token.end - token.start == 2 && text[token.start] | 0x20 == .i && text[token.start + 1] | 0x20 == .n
    }

    /// The index of the `)` closing a list of signed literals that opens at `open`, or nil.
    private static func collapsibleList(_ tokens: ScratchBuffer<SQLToken>, _ text: UnsafeBufferPointer<UInt8>, open: Int, limit: Int) -> Int? {
        guard open < limit, isPunctuation(tokens[open], .openParenthesis, text) else { return nil }
        var i = open + 1
        while i < limit {
            let sign = tokens[i]
            if sign.kind == .operator && sign.end - sign.start == 1 && (text[sign.start] == .minus || text[sign.start] == .plus) {
                i += 1
            }
            guard i < limit, tokens[i].isLiteral else { return nil }
            i += 1
            guard i < limit else { return nil }
            if isPunctuation(tokens[i], .closeParenthesis, text) { return i }
            guard isPunctuation(tokens[i], .comma, text) else { return nil }
            i += 1
        }
        return nil
    }

    @inline(__always)
    private static func isPunctuation(_ token: SQLToken, _ byte: UInt8, _ text: UnsafeBufferPointer<UInt8>) -> Bool {
        token.kind == .punctuation && text[token.start] == byte
    }
}
