// Where a text may be cut short: only between tokens.

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
}
