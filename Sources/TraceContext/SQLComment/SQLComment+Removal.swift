// Taking a sqlcommenter comment out of the text it was found in, so that one statement keeps one
// db.query.text whatever trace context each execution carried.

import ASCII
import SQLLexing

extension SQLComment {
    /// `text` without the comment: the bytes of `removalRange` are dropped. When the comment had no
    /// space beside it and dropping it would join two non-blank bytes (`SELECT/*…*/1`), one space
    /// stands in for it, as PostgreSQL itself reads a comment as whitespace (docs, §4.1.5). A
    /// writer's own space means the bytes around it were adjacent before: `1 /*…*/;` gives `1;`.
    public func removed(from text: some Collection<UInt8>) -> [UInt8] {
        text.withContiguousStorageIfAvailable(removed(fromBuffer:))
            ?? Array(text).withUnsafeBufferPointer(removed(fromBuffer:))
    }

    private func removed(fromBuffer bytes: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        let lower = min(removalRange.lowerBound, bytes.count)
        let upper = min(removalRange.upperBound, bytes.count)
        let joinsTokens = removalRange == commentRange && lower > 0 && upper < bytes.count
            && ByteClass.of(bytes[lower - 1]) != .space && ByteClass.of(bytes[upper]) != .space
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count - (upper - lower) + 1)
        result.append(contentsOf: bytes[..<lower])
        if joinsTokens { result.append(.space) }
        result.append(contentsOf: bytes[upper...])
        return result
    }

    /// `text` without the comment; see `removed(from:)` for bytes.
    public func removed(from text: String) -> String {
        String(decoding: removed(from: text.utf8), as: UTF8.self)
    }
}
