// QueryAnalyzer's three text modes: sanitized (default), raw and off.

import QueryText
import Testing

@Suite struct QueryTextModeTests {
    let statement = "SELECT * FROM users WHERE email = 'ann@example.com' AND pin = 1234"

    @Test func sanitizedIsTheDefault() {
        var analyzer = QueryAnalyzer()
        #expect(analyzer.mode == .sanitized)
        #expect(analyzer.analyze(statement).text == "SELECT * FROM users WHERE email = ? AND pin = ?")
    }

    @Test func rawKeepsLiterals() {
        var analyzer = QueryAnalyzer(mode: .raw)
        let analysis = analyzer.analyze(statement)
        #expect(analysis.text == statement)
        #expect(analysis.truncated == false)
        #expect(analysis.summary == "SELECT users")
        #expect(analysis.collection == "users")
    }

    @Test func rawGivesEachCallItsOwnTextOnCacheHits() {
        var analyzer = QueryAnalyzer(mode: .raw)
        _ = analyzer.analyze("SELECT * FROM t WHERE id = 1")
        let second = analyzer.analyze("SELECT * FROM t WHERE id = 2")
        #expect(analyzer.cachedShapes == 1)
        #expect(second.text == "SELECT * FROM t WHERE id = 2")
        #expect(second.summary == "SELECT t")
    }

    @Test func rawKeepsAnUnterminatedLiteralButMarksTheCut() {
        var analyzer = QueryAnalyzer(mode: .raw)
        let analysis = analyzer.analyze("SELECT * FROM t WHERE name = 'Ann", captureTruncated: true)
        #expect(analysis.text == "SELECT * FROM t WHERE name = 'Ann")
        #expect(analysis.truncated)
        #expect(analysis.parsed == false)
    }

    @Test func rawIsCutBetweenTokens() {
        var analyzer = QueryAnalyzer(mode: .raw, maxLength: 20)
        let analysis = analyzer.analyze("SELECT 'a long literal value' FROM t")
        #expect(analysis.text == "SELECT")
        #expect(analysis.truncated)
    }

    @Test func offGivesNoTextButStillNamesTheOperation() {
        var analyzer = QueryAnalyzer(mode: .off)
        let analysis = analyzer.analyze(statement)
        #expect(analysis.text == nil)
        #expect(analysis.truncated == false)
        #expect(analysis.summary == "SELECT users")
        #expect(analysis.operation == "SELECT")
        #expect(analysis.collection == "users")
    }

    @Test(arguments: QueryTextMode.allCases)
    func modesAgreeOnEverythingButText(_ mode: QueryTextMode) {
        var reference = QueryAnalyzer()
        var analyzer = QueryAnalyzer(mode: mode)
        for row in corpus {
            var expected = reference.analyze(row.sql)
            let analysis = analyzer.analyze(row.sql)
            expected.text = analysis.text
            expected.truncated = analysis.truncated
            #expect(analysis == expected, "\(row.sql)")
        }
    }
}
