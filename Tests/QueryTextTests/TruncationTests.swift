// maxLength and cut captures: text is only ever shortened between tokens, and huge statements work.

import QueryText
import Testing

@Suite struct TruncationTests {
    static let statement = "SELECT abalance FROM pgbench_accounts WHERE aid = 837379;"
    /// Token ends of the sanitized text `SELECT abalance FROM pgbench_accounts WHERE aid = ?;`.
    static let tokenEnds = [6, 15, 20, 37, 43, 47, 49, 51, 52]
    static let sanitized = "SELECT abalance FROM pgbench_accounts WHERE aid = ?;"

    @Test(arguments: 1...56)
    func cutsOnlyAtTokenEnds(_ maxLength: Int) {
        var analyzer = QueryAnalyzer(maxLength: maxLength)
        let analysis = analyzer.analyze(Self.statement)
        let kept = Self.tokenEnds.last { $0 <= maxLength } ?? 0
        #expect(analysis.text == String(Self.sanitized.utf8.prefix(kept))!)
        #expect(analysis.truncated == (kept < Self.sanitized.utf8.count))
        // The summary does not depend on the text's length.
        #expect(analysis.summary == "SELECT pgbench_accounts")
    }

    @Test func everyCutOfACorpusTextIsAPrefixEndingAtAToken() {
        for row in corpus {
            var full = QueryAnalyzer(maxLength: 1 << 20)
            let whole = full.analyze(row.sql).text ?? ""
            for maxLength in stride(from: 1, through: whole.utf8.count + 1, by: 3) {
                var analyzer = QueryAnalyzer(maxLength: maxLength)
                let text = analyzer.analyze(row.sql).text ?? ""
                #expect(text.utf8.count <= maxLength)
                #expect(whole.hasPrefix(text), "\(row.sql) at \(maxLength)")
                // Nothing of a token is left behind: the next byte, if any, is not part of the same word.
                if text.utf8.count < whole.utf8.count, let last = text.utf8.last {
                    let next = Array(whole.utf8)[text.utf8.count]
                    #expect(!(isWordByte(last) && isWordByte(next)), "\(row.sql) cut inside a word at \(maxLength)")
                }
            }
        }
    }

    @Test func aCutCaptureDropsItsPossiblyPartialLastToken() {
        var analyzer = QueryAnalyzer()
        let cut = analyzer.analyze("SELECT * FROM pgbench_acc", captureTruncated: true)
        #expect(cut.text == "SELECT * FROM")
        #expect(cut.truncated)
        let endsInSpace = analyzer.analyze("SELECT * FROM t ", captureTruncated: true)
        #expect(endsInSpace.text == "SELECT * FROM t ")
        #expect(endsInSpace.truncated)
        let insideLiteral = analyzer.analyze("UPDATE t SET note = 'call me at 555", captureTruncated: true)
        #expect(insideLiteral.text == "UPDATE t SET note =")
        #expect(insideLiteral.truncated)
        #expect(insideLiteral.parsed == false)
    }

    @Test func aCutCaptureIsDescribedByTheTextItKeeps() {
        var analyzer = QueryAnalyzer()
        // Cut inside a name: the half name must not become a collection.
        let halfName = analyzer.analyze("SELECT * FROM pgbench_acc", captureTruncated: true)
        #expect(halfName.parsed == false)
        #expect(halfName.collection == nil)
        #expect(halfName.summary == nil)
        // Cut after whitespace: every kept token is whole.
        let whole = analyzer.analyze("SELECT * FROM accounts ", captureTruncated: true)
        #expect(whole.parsed)
        #expect(whole.summary == "SELECT accounts")
        #expect(whole.truncated)
    }

    @Test func aBatchOfThousandsOfStatements() {
        let sql = (0..<5_000).map { "INSERT INTO t VALUES (\($0))" }.joined(separator: "; ")
        var analyzer = QueryAnalyzer()
        let analysis = analyzer.analyze(sql)
        #expect(analysis.batchSize == 5_000)
        #expect(analysis.text == "INSERT INTO t VALUES (?)")
        #expect(analysis.summary == "BATCH INSERT t")
        #expect(analysis.operation == "BATCH INSERT")
        #expect(analysis.collection == "t")
    }

    @Test func aHundredKilobyteStatementIsSanitizedSummarizedAndCut() {
        var rows: [String] = []
        var value = 7
        for _ in 0..<2_000 {
            value = (value &* 1_103_515_245 &+ 12_345) & 0x7FFF_FFFF
            rows.append("(\(value), 'label \(value % 9973)', \(value % 1000).25)")
        }
        let sql = "INSERT INTO bulk_rows (id, label, amount) VALUES " + rows.joined(separator: ", ")
        #expect(sql.utf8.count > 60_000)

        var analyzer = QueryAnalyzer()
        let analysis = analyzer.analyze(sql)
        #expect(analysis.summary == "INSERT bulk_rows")
        #expect(analysis.operation == "INSERT")
        #expect(analysis.collection == "bulk_rows")
        #expect(analysis.truncated)
        let text = analysis.text ?? ""
        #expect(text.utf8.count <= 2048)
        #expect(text.hasPrefix("INSERT INTO bulk_rows (id, label, amount) VALUES (?, ?, ?), (?, ?, ?)"))
        #expect(text.hasSuffix(")") || text.hasSuffix("?") || text.hasSuffix(","))
        #expect(!text.contains { $0.isNumber })

        var unlimited = QueryAnalyzer(maxLength: 1 << 20)
        let whole = unlimited.analyze(sql).text ?? ""
        #expect(whole == "INSERT INTO bulk_rows (id, label, amount) VALUES " + Array(repeating: "(?, ?, ?)", count: 2_000).joined(separator: ", "))
    }

    @Test func aHundredKilobyteLiteralBecomesOnePlaceholder() {
        let sql = "SELECT '" + String(repeating: "x", count: 100_000) + "' AS blob"
        var analyzer = QueryAnalyzer()
        let analysis = analyzer.analyze(sql)
        #expect(analysis.text == "SELECT ? AS blob")
        #expect(analysis.truncated == false)
        #expect(analysis.summary == "SELECT")
    }

    private func isWordByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A) || byte == 0x5F || byte >= 0x80
    }
}
