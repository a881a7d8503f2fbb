/// What the span builder needs from a CommandComplete tag, read straight from its bytes
/// (the hot path avoids building strings).
struct TagSummary {
    /// SELECT or FETCH: the count is rows returned.
    var returnsRows = false
    /// The tag ends in a row count (INSERT, UPDATE, DELETE, MERGE, COPY, MOVE, SELECT, FETCH).
    var countsRows = false

    init(_ tag: [UInt8]) {
        func starts(_ word: StaticString) -> Bool {
            let count = word.utf8CodeUnitCount
            guard tag.count > count else { return false }
            return word.withUTF8Buffer { w in
                for i in 0..<count where tag[i] != w[i] { return false }
                return tag[count] == UInt8(ascii: " ")
            }
        }
        returnsRows = starts("SELECT") || starts("FETCH")
        countsRows = returnsRows || starts("INSERT") || starts("UPDATE") || starts("DELETE")
            || starts("MERGE") || starts("COPY") || starts("MOVE")
    }
}
