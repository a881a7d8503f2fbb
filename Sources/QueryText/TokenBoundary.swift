// Where a text may be cut short: only between tokens.

import SQLLexing

enum TokenBoundary {
    /// The length to keep so that `tokens` of a `length`-byte text fit in `limit` bytes without
    /// splitting a token: `length` when it fits, else the end of the last token ending by `limit`
    /// (which also drops the whitespace after it), possibly 0.
    static func cut(tokens: ScratchBuffer<SQLToken>, length: Int, limit: Int) -> Int {
        guard length > limit else { return length }
        var low = 0
        var high = tokens.count
        // First token ending after the limit; the one before it is the last that fits.
        while low < high {
            let middle = (low + high) / 2
            if tokens[middle].end <= limit { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? 0 : tokens[low - 1].end
    }

    /// `bytes` (whose tokens are `tokens`) as a String of at most `limit` UTF-8 bytes, cut between
    /// tokens, and whether it was cut. Invalid UTF-8 becomes U+FFFD, up to three bytes for one, so
    /// the cut moves back until the repaired text fits too (each byte dropped saves at most three).
    static func text(_ bytes: UnsafeBufferPointer<UInt8>, tokens: ScratchBuffer<SQLToken>, limit: Int) -> (text: String, cut: Bool) {
        var budget = limit
        while true {
            let kept = cut(tokens: tokens, length: bytes.count, limit: budget)
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[..<kept]), as: UTF8.self)
            let excess = text.utf8.count - limit
            if excess <= 0 || kept == 0 { return (text, kept < bytes.count) }
            budget = kept - (excess + 2) / 3
        }
    }
}
