// The shape cache: hits equal misses, bounds hold, hash collisions cannot mix entries up.

@testable import QueryText
import Testing

@Suite struct AnalysisCacheTests {
    @Test func aHitReturnsWhatAMissComputes() {
        var cached = QueryAnalyzer()
        for row in corpus {
            var uncached = QueryAnalyzer(cacheCapacity: 0)
            let miss = uncached.analyze(row.sql)
            let first = cached.analyze(row.sql)
            let hit = cached.analyze(row.sql)
            #expect(first == miss, "\(row.sql)")
            #expect(hit == miss, "\(row.sql)")
        }
    }

    @Test func statementsDifferingOnlyInLiteralsShareOneEntry() {
        var analyzer = QueryAnalyzer()
        var uncached = QueryAnalyzer(cacheCapacity: 0)
        for id in 0..<100 {
            let sql = "SELECT abalance FROM pgbench_accounts WHERE aid = \(id * 7919) AND name = 'user \(id)'"
            #expect(analyzer.analyze(sql) == uncached.analyze(sql))
        }
        #expect(analyzer.cachedShapes == 1)
    }

    @Test func aCutCaptureIsNotConfusedWithACompleteText() {
        var analyzer = QueryAnalyzer()
        let complete = analyzer.analyze("SELECT * FROM t WHERE a = ", captureTruncated: false)
        let cut = analyzer.analyze("SELECT * FROM t WHERE a = ", captureTruncated: true)
        #expect(complete.truncated == false)
        #expect(cut.truncated)
    }

    @Test func capacityBoundsTheEntries() {
        var analyzer = QueryAnalyzer(cacheCapacity: 10)
        for index in 0..<50 { _ = analyzer.analyze("SELECT * FROM table_\(index) WHERE id = 1") }
        #expect(analyzer.cachedShapes == 10)
    }

    @Test func evictionGivesRecentlyUsedEntriesASecondChance() {
        var cache = AnalysisCache(capacity: 3, byteLimit: 1 << 20)
        let analyses = (0..<4).map { QueryAnalysis(text: "q\($0)") }
        for index in 0..<3 { insert(&cache, hash: UInt64(index), key: "k\(index)", analyses[index]) }
        #expect(lookup(&cache, hash: 0, key: "k0") == analyses[0])
        insert(&cache, hash: 3, key: "k3", analyses[3])
        #expect(cache.count == 3)
        #expect(lookup(&cache, hash: 0, key: "k0") == analyses[0])
        #expect(lookup(&cache, hash: 1, key: "k1") == nil)
        #expect(lookup(&cache, hash: 3, key: "k3") == analyses[3])
    }

    @Test func theByteLimitBoundsStoredBytes() {
        var cache = AnalysisCache(capacity: 10_000, byteLimit: 64 * 1_000)
        let key = String(repeating: "k", count: 500)
        for index in 0..<200 { insert(&cache, hash: UInt64(index), key: key + "\(index)", QueryAnalysis(text: "t")) }
        #expect(cache.storedBytes <= 64 * 1_000)
        #expect(cache.count > 0 && cache.count < 200)
        // A key over a 64th of the limit is never stored.
        insert(&cache, hash: 999, key: String(repeating: "x", count: 1_100), QueryAnalysis(text: "big"))
        #expect(lookup(&cache, hash: 999, key: String(repeating: "x", count: 1_100)) == nil)
    }

    @Test func aHashCollisionIsAMissNotAWrongAnswer() {
        var cache = AnalysisCache(capacity: 10, byteLimit: 1 << 20)
        insert(&cache, hash: 7, key: "SELECT ?", QueryAnalysis(text: "first"))
        #expect(lookup(&cache, hash: 7, key: "DELETE ?") == nil)
        insert(&cache, hash: 7, key: "DELETE ?", QueryAnalysis(text: "second"))
        #expect(lookup(&cache, hash: 7, key: "SELECT ?") == nil)
        #expect(lookup(&cache, hash: 7, key: "DELETE ?")?.text == "second")
        #expect(cache.count == 1)
    }

    private func insert(_ cache: inout AnalysisCache, hash: UInt64, key: String, _ analysis: QueryAnalysis) {
        Array(key.utf8).withUnsafeBytes { cache.insert(hash: hash, key: $0, captureTruncated: false, analysis: analysis) }
    }

    private func lookup(_ cache: inout AnalysisCache, hash: UInt64, key: String) -> QueryAnalysis? {
        Array(key.utf8).withUnsafeBytes { cache.lookup(hash: hash, key: $0, captureTruncated: false) }
    }
}
