// The inside of a sqlcommenter comment: key='value' pairs, as the writers in the wild serialize them.
//
// Grammar accepted (https://google.github.io/sqlcommenter/spec/, widened to what writers emit):
//   content = OWS pair *( OWS "," OWS pair ) OWS
//   pair    = key "=" ( "'" *( escaped / not-quote ) "'" / number )
//   key     = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "%" / "+" )   ; URL-encoded
//   escaped = "\" any-byte                                               ; the spec escapes ' as \'
//   number  = [ "-" ] 1*DIGIT [ "." 1*DIGIT ]
//   OWS     = *( SP / HTAB / CR / LF / FF / VT )
// Why wider than the spec's example:
//   - ", " between pairs: the OpenTelemetry Java agent joins pairs with a comma and a space.
//   - unquoted numbers: OpenTelemetry Python (dbapi, psycopg2) and Google's sqlcommenter-python
//     format values with `repr()` after quoting only strings, so integers arrive bare, e.g.
//     `dbapi_threadsafety=2,libpq_version=150003`.
// Anything else (an ordinary comment, `fetch users`, a trailing comma) is not a sqlcommenter
// comment.

import ASCII
import SQLLexing

enum SQLCommentContent {
    /// The decoded pairs of a comment's inside, or nil when it is not wholly key/value pairs.
    static func pairs(_ text: UnsafeBufferPointer<UInt8>, in bounds: Range<Int>) -> [SQLComment.Pair]? {
        var index = bounds.lowerBound
        let end = bounds.upperBound
        var pairs: [SQLComment.Pair] = []
        pairs.reserveCapacity(8)

        func skipWhitespace() {
            while index < end && ByteClass.of(text[index]) == .space { index += 1 }
        }

        skipWhitespace()
        while true {
            let keyStart = index
            while index < end && isKeyByte(text[index]) { index += 1 }
            guard index > keyStart, index < end, text[index] == .equals else { return nil }
            let key = PercentDecoding.decode(UnsafeBufferPointer(rebasing: text[keyStart..<index]))
            index += 1

            let value: String
            if index < end && text[index] == .quote {
                guard let after = endOfQuotedValue(text, from: index + 1, end: end) else { return nil }
                value = decodeQuoted(UnsafeBufferPointer(rebasing: text[(index + 1)..<(after - 1)]))
                index = after
            } else {
                let numberStart = index
                guard let after = endOfNumber(text, from: index, end: end) else { return nil }
                value = String(decoding: UnsafeBufferPointer(rebasing: text[numberStart..<after]), as: UTF8.self)
                index = after
            }
            pairs.append(SQLComment.Pair(key: key, value: value))

            skipWhitespace()
            if index == end { return pairs }
            guard text[index] == .comma else { return nil }
            index += 1
            skipWhitespace()
        }
    }

    private static func isKeyByte(_ byte: UInt8) -> Bool {
        byte.isLetter || byte.isDigit || byte == .minus || byte == .dot || byte == .underscore
            || byte == .tilde || byte == .percent || byte == .plus
    }

    /// The index after the quote that closes a value opened just before `start`; nil when it
    /// does not close.
    private static func endOfQuotedValue(_ text: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int? {
        var index = start
        while index < end {
            switch text[index] {
            case .quote: return index + 1
            case .backslash: index += 2
            default: index += 1
            }
        }
        return nil
    }

    /// A quoted value's inside, backslash escapes removed (the spec escapes `'` as `\'`), then
    /// URL-decoded.
    private static func decodeQuoted(_ inside: UnsafeBufferPointer<UInt8>) -> String {
        guard inside.contains(.backslash) else { return PercentDecoding.decode(inside) }
        var unescaped: [UInt8] = []
        unescaped.reserveCapacity(inside.count)
        var index = 0
        while index < inside.count {
            if inside[index] == .backslash && index + 1 < inside.count { index += 1 }
            unescaped.append(inside[index])
            index += 1
        }
        return unescaped.withUnsafeBufferPointer(PercentDecoding.decode)
    }

    private static func endOfNumber(_ text: UnsafeBufferPointer<UInt8>, from start: Int, end: Int) -> Int? {
        var index = start
        if index < end && text[index] == .minus { index += 1 }
        let integerStart = index
        while index < end && text[index].isDigit { index += 1 }
        guard index > integerStart else { return nil }
        if index < end && text[index] == .dot {
            let fractionStart = index + 1
            index = fractionStart
            while index < end && text[index].isDigit { index += 1 }
            guard index > fractionStart else { return nil }
        }
        return index
    }
}
