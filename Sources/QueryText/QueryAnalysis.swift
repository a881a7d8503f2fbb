// What one captured query text contributes to a database span.

/// The span attributes derived from one query text (which may hold several statements).
///
/// The rules behind each field are spelled out on `QueryAnalyzer`.
public struct QueryAnalysis: Sendable, Equatable {
    /// `db.query.text`, shaped by the analyzer's `QueryTextMode` (nil in mode `off`).
    public var text: String?
    /// Whether `text` is shorter than the statement: the capture was cut, the text ended inside an
    /// unterminated literal that was dropped, or `text` was cut to the analyzer's `maxLength`.
    public var truncated: Bool
    /// `db.query.summary`, nil when PostgreSQL's parser did not accept the text.
    public var summary: String?
    /// `db.operation.name`, nil when the text did not parse or holds no statement.
    public var operation: String?
    /// `db.collection.name`: the one table the text reads or writes, nil when there are none or several.
    public var collection: String?
    /// `db.stored_procedure.name` for CALL.
    public var storedProcedure: String?
    /// Statements in the text, at least 1. Export `db.operation.batch.size` only when ≥ 2: the
    /// conventions count a single statement as a plain operation, not a batch of one.
    public var batchSize: Int
    /// Whether PostgreSQL's parser accepted the text — for a cut capture, the part kept without its
    /// possibly partial last token. Summary, operation and names are only set when it did.
    public var parsed: Bool
    /// Prepared statements the text removes, in order (empty for almost every query).
    public var deallocations: [Deallocation]

    public init(
        text: String?,
        truncated: Bool = false,
        summary: String? = nil,
        operation: String? = nil,
        collection: String? = nil,
        storedProcedure: String? = nil,
        batchSize: Int = 1,
        parsed: Bool = true,
        deallocations: [Deallocation] = []
    ) {
        self.text = text
        self.truncated = truncated
        self.summary = summary
        self.operation = operation
        self.collection = collection
        self.storedProcedure = storedProcedure
        self.batchSize = batchSize
        self.parsed = parsed
        self.deallocations = deallocations
    }
}
