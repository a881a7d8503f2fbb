/// What a CommandComplete tag says about rows, read straight from its bytes (the span builder's
/// hot path avoids building strings). The counts themselves come from the kernel, which sums them
/// over the statements of a multi-statement Query; the tag names only the last statement.
///
/// ```
/// CommandComplete 'C': tag\0      e.g. "SELECT 5", "INSERT 0 3", "UPDATE 2", "CREATE TABLE"
/// ```
/// https://www.postgresql.org/docs/15/protocol-message-formats.html
public struct TagSummary: Sendable {
    /// SELECT or FETCH: the count is rows returned.
    public var returnsRows = false
    /// The tag ends in a row count (INSERT, UPDATE, DELETE, MERGE, COPY, MOVE, SELECT, FETCH).
    public var countsRows = false

    @inlinable public init(_ tag: [UInt8]) {
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
