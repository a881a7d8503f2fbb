// How statements become db.query.summary, db.operation.name, db.collection.name and
// db.stored_procedure.name: the semantic conventions' rules, in one place.

/// Rules from OpenTelemetry semantic conventions v1.44.0 (`docs/db/database-spans.md` and
/// `docs/db/postgresql.md`), as implemented:
///
/// **Summary** ("Generating a summary of the query"): `{operation} {target} {operation} {target} …`
/// — every operation (SELECT, INSERT, UPDATE, DELETE, MERGE, and any other command) and every
/// target (table, view, procedure) in the order the text names them, including those of CTEs and
/// subqueries: `INSERT shipping_details SELECT orders`;
/// `SELECT order_date FROM (SELECT * FROM orders o JOIN customers c …)` → `SELECT SELECT orders customers`.
/// A name defined by WITH is a query, not a target; a table listed twice by one operation
/// appears once; an INSERT's VALUES rows are not an operation. Values are as written (see
/// `StatementDescriber`). At most 255 characters, cut only between parts.
///
/// **Operation** (`db.operation.name`): the statement's own command — for `WITH … INSERT …` that
/// is INSERT — as written, multi-word commands with single spaces (`CREATE TABLE`,
/// `START TRANSACTION`, `REFRESH MATERIALIZED VIEW`).
///
/// **Collection** (`db.collection.name`, "if a database call is performed on a single
/// collection"): set only when exactly one distinct table appears across the text.
///
/// **Stored procedure** (`db.stored_procedure.name`): the procedure of a CALL.
///
/// **Batch** (postgresql.md on `db.operation.batch.size`: two or more operations "explicitly
/// submitted as separate operations in a single … protocol message"): a simple-query text with n ≥ 2
/// statements is a batch of n.
/// - summary: `BATCH {summary}` when every statement has the same summary, else `BATCH`;
/// - operation: `BATCH {operation}` when every statement has the same operation, else `BATCH`;
/// - collection and stored procedure: the shared value when every statement has the same one;
/// - text: the one statement text when every statement sanitizes to the same text, else the
///   whole text as sent (the client's own separators) — applied by `QueryAnalyzer`.
enum ConventionRules {
    static let summaryLimit = 255

    struct Attributes: Equatable {
        var summary: String?
        var operation: String?
        var collection: String?
        var storedProcedure: String?
    }

    static func attributes(of statements: [StatementDescription]) -> Attributes {
        guard let first = statements.first else { return Attributes() }
        if statements.count == 1 {
            return Attributes(
                summary: summary(first.summaryParts),
                operation: first.operation,
                collection: first.collections.count == 1 ? first.collections[0] : nil,
                storedProcedure: first.procedure
            )
        }
        let sameSummary = statements.allSatisfy { $0.summaryParts == first.summaryParts } && !first.summaryParts.isEmpty
        let sameOperation = statements.allSatisfy { $0.operation == first.operation } && first.operation != nil
        let collections = statements.map { $0.collections.count == 1 ? $0.collections[0] : nil }
        let procedures = statements.map(\.procedure)
        return Attributes(
            summary: summary(["BATCH"] + (sameSummary ? first.summaryParts : [])),
            operation: sameOperation ? "BATCH \(first.operation!)" : "BATCH",
            collection: shared(collections),
            storedProcedure: shared(procedures)
        )
    }

    /// Parts joined by spaces, as many as fit in 255 characters.
    static func summary(_ parts: [String]) -> String? {
        var result = ""
        var length = 0
        for part in parts {
            let added = part.count + (result.isEmpty ? 0 : 1)
            guard length + added <= summaryLimit else { break }
            if !result.isEmpty { result.append(" ") }
            result.append(part)
            length += added
        }
        return result.isEmpty ? nil : result
    }

    private static func shared(_ values: [String?]) -> String? {
        guard let first = values.first, let value = first else { return nil }
        return values.allSatisfy { $0 == value } ? value : nil
    }
}
