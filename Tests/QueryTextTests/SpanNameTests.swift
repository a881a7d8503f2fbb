// QueryAnalysis.spanName: the conventions' fallback chain for database span names.

import QueryText
import Testing

@Suite struct SpanNameTests {
    @Test func theSummaryWins() {
        let analysis = QueryAnalysis(text: nil, summary: "SELECT orders", operation: "SELECT", collection: "orders")
        #expect(QueryAnalysis.spanName(analysis, namespace: "shop", serverAddress: "db", serverPort: 5432) == "SELECT orders")
    }

    @Test func operationAndTargetWithoutSummary() {
        let collection = QueryAnalysis(text: nil, operation: "SELECT", collection: "orders")
        #expect(QueryAnalysis.spanName(collection, namespace: "shop", serverAddress: "db", serverPort: 5432) == "SELECT orders")
        let procedure = QueryAnalysis(text: nil, operation: "CALL", storedProcedure: "refresh")
        #expect(QueryAnalysis.spanName(procedure, namespace: "shop", serverAddress: "db", serverPort: 5432) == "CALL refresh")
        let namespace = QueryAnalysis(text: nil, operation: "BEGIN")
        #expect(QueryAnalysis.spanName(namespace, namespace: "shop|public", serverAddress: "db", serverPort: 5432) == "BEGIN shop|public")
        #expect(QueryAnalysis.spanName(namespace, namespace: nil, serverAddress: "db", serverPort: 6432) == "BEGIN db:6432")
        #expect(QueryAnalysis.spanName(namespace, namespace: nil, serverAddress: "/tmp/.s.PGSQL.5432", serverPort: nil) == "BEGIN /tmp/.s.PGSQL.5432")
        #expect(QueryAnalysis.spanName(namespace, namespace: nil, serverAddress: nil, serverPort: nil) == "BEGIN")
    }

    @Test func targetAloneWithoutOperation() {
        let unparsed = QueryAnalysis(text: "SELEC ?", parsed: false)
        #expect(QueryAnalysis.spanName(unparsed, namespace: "shop", serverAddress: "db", serverPort: 5432) == "shop")
        #expect(QueryAnalysis.spanName(unparsed, namespace: nil, serverAddress: "db", serverPort: 5432) == "db:5432")
    }

    @Test func theSystemNameLast() {
        #expect(QueryAnalysis.spanName(nil, namespace: nil, serverAddress: nil, serverPort: nil) == "postgresql")
        #expect(QueryAnalysis.spanName(QueryAnalysis(text: ""), namespace: "", serverAddress: nil, serverPort: nil) == "postgresql")
    }
}
