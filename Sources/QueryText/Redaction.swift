// A byte range of the captured text that sanitized output replaces.

/// Bytes `start..<end` of the text, written as `replacement` in sanitized output.
struct Redaction {
    enum Replacement: UInt8 {
        /// `?`: one literal.
        case placeholder
        /// `(?)`: a parenthesized list of literals after `IN`.
        case collapsedList
        /// Nothing: an unterminated or cut-off token at the end of the text, with the whitespace before it.
        case removed
    }

    var start: Int
    var end: Int
    var replacement: Replacement
}
