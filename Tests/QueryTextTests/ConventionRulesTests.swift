// The summary length limit and the batch rules, on statement descriptions built by hand.

@testable import QueryText
import Testing

@Suite struct ConventionRulesTests {
    func statement(_ operation: String, _ parts: [String], collections: [String] = [], procedure: String? = nil) -> StatementDescription {
        StatementDescription(operation: operation, summaryParts: parts, collections: collections, procedure: procedure, deallocations: [])
    }

    @Test func theSummaryStopsBeforeAPartThatWouldPassTheLimit() {
        let names = (0..<40).map { "table_\($0)_xyz" }
        let summary = ConventionRules.summary(["SELECT"] + names) ?? ""
        #expect(summary.count <= 255)
        #expect(summary.count > 240)
        #expect(summary.hasPrefix("SELECT table_0_xyz table_1_xyz"))
        #expect(names.contains(String(summary.split(separator: " ").last!)))
    }

    @Test func aSingleOverlongTargetIsLeftOut() {
        let long = String(repeating: "n", count: 300)
        #expect(ConventionRules.summary(["SELECT", long, "SELECT", "b"]) == "SELECT")
        #expect(ConventionRules.summary([]) == nil)
    }

    @Test func theLimitCountsCharactersNotBytes() {
        let name = String(repeating: "é", count: 240)
        #expect(ConventionRules.summary(["SELECT", name]) == "SELECT " + name)
    }

    @Test func aBatchOfTheSameStatementNamesIt() {
        let insert = statement("INSERT", ["INSERT", "t"], collections: ["t"])
        let attributes = ConventionRules.attributes(of: [insert, insert, insert])
        #expect(attributes == .init(summary: "BATCH INSERT t", operation: "BATCH INSERT", collection: "t", storedProcedure: nil))
    }

    @Test func aMixedBatchIsJustBatch() {
        let attributes = ConventionRules.attributes(of: [
            statement("BEGIN", ["BEGIN"]),
            statement("UPDATE", ["UPDATE", "accounts"], collections: ["accounts"]),
            statement("COMMIT", ["COMMIT"]),
        ])
        #expect(attributes == .init(summary: "BATCH", operation: "BATCH", collection: nil, storedProcedure: nil))
    }

    @Test func aSharedOperationOrCollectionSurvivesDifferentSummaries() {
        let attributes = ConventionRules.attributes(of: [
            statement("UPDATE", ["UPDATE", "t"], collections: ["t"]),
            statement("UPDATE", ["UPDATE", "t", "SELECT", "t"], collections: ["t"]),
        ])
        #expect(attributes == .init(summary: "BATCH", operation: "BATCH UPDATE", collection: "t", storedProcedure: nil))
    }

    @Test func aStatementWithSeveralCollectionsHasNone() {
        let attributes = ConventionRules.attributes(of: [statement("SELECT", ["SELECT", "a", "b"], collections: ["a", "b"])])
        #expect(attributes == .init(summary: "SELECT a b", operation: "SELECT", collection: nil, storedProcedure: nil))
    }

    @Test func aBatchSharesAProcedureOnlyWhenEveryCallNamesIt() {
        let call = statement("CALL", ["CALL", "p"], procedure: "p")
        #expect(ConventionRules.attributes(of: [call, call]).storedProcedure == "p")
        #expect(ConventionRules.attributes(of: [call, statement("CALL", ["CALL", "q"], procedure: "q")]).storedProcedure == nil)
        #expect(ConventionRules.attributes(of: [call, statement("SELECT", ["SELECT"])]).storedProcedure == nil)
    }
}
