// Writes a query text with its redactions applied.

import ASCII
import SQLLexing

enum SanitizedTextWriter {
    /// Appends bytes `range` of `text` to `output`, each redaction inside the range replaced (see
    /// `Redaction.Replacement`). Redactions straddling the range's edges are clipped to it.
    static func write(
        _ text: UnsafeBufferPointer<UInt8>,
        range: Range<Int>,
        redactions: ScratchBuffer<Redaction>,
        into output: ScratchBuffer<UInt8>
    ) {
        var position = range.lowerBound
        // Redactions are sorted and disjoint: start at the first that ends inside the range, so a
        // batch of many statements costs one pass over its redactions, not one per statement.
        var low = 0
        var high = redactions.count
        while low < high {
            let middle = (low + high) / 2
            if redactions[middle].end <= range.lowerBound { low = middle + 1 } else { high = middle }
        }
        for index in low..<redactions.count {
            let redaction = redactions[index]
            if redaction.start >= range.upperBound { break }
            let start = max(redaction.start, range.lowerBound)
            let end = min(redaction.end, range.upperBound)
            guard start < end, start >= position else { continue }
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<start]))
            switch redaction.replacement {
            case .placeholder:
                output.append(.questionMark)
            case .collapsedList:
                output.append("(?)")
            case .removed:
                while let last = output.isEmpty ? nil : output[output.count - 1], ByteClass.of(last) == .space {
                    output.removeLast()
                }
            }
            position = end
        }
        if position < range.upperBound {
            output.append(contentsOf: UnsafeBufferPointer(rebasing: text[position..<range.upperBound]))
        }
    }
}
