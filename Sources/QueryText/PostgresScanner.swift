// PostgreSQL's scanner (libpg_query via CPGQuery), reduced to where its literals are.

import CPGQuery

enum PostgresScanner {
    /// Byte ranges of PostgreSQL's literal tokens (SCONST, USCONST, ICONST, FCONST, BCONST, XCONST)
    /// in `text` (which must end with a NUL byte that `count` excludes), or nil when the scanner
    /// fails (an unterminated literal, trailing junk after a number).
    static func literalRanges(_ text: UnsafeBufferPointer<UInt8>) -> [(start: Int, end: Int)]? {
        scan(text).map(\.literals)
    }

    /// Literal ranges and, separately, parameter and comment ranges; the tests compare both with
    /// SQLLexer.
    static func scan(_ text: UnsafeBufferPointer<UInt8>) -> (literals: [(start: Int, end: Int)], others: [(start: Int, end: Int)])? {
        guard let base = text.baseAddress else { return ([], []) }
        let result = base.withMemoryRebound(to: CChar.self, capacity: text.count + 1) { cpgq_scan($0) }!
        defer { cpgq_scan_result_free(result) }
        guard result.pointee.error == 0 else { return nil }
        func ranges(_ pointer: UnsafeMutablePointer<cpgq_range>?, _ count: Int32) -> [(start: Int, end: Int)] {
            (0..<Int(count)).map { (Int(pointer![$0].start), Int(pointer![$0].end)) }
        }
        return (ranges(result.pointee.literals, result.pointee.literal_count), ranges(result.pointee.others, result.pointee.other_count))
    }
}
