// What one parsed statement contributes to the span, before batch rules combine statements.

struct StatementDescription: Equatable {
    /// The statement's own command, spelled as in the text ("SELECT", "create table").
    var operation: String?
    /// Operations and targets in text order: `SELECT`, `orders`, `SELECT`, `customers`.
    var summaryParts: [String]
    /// Distinct collection names (unquoted, schema-qualified as written), in order.
    var collections: [String]
    /// The procedure a CALL invokes.
    var procedure: String?
    var deallocations: [Deallocation]

    /// The full summary, before the 255-character limit.
    var summary: String { summaryParts.joined(separator: " ") }
}
