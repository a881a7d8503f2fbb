import OTelSemanticConventions

/// Attribute keys Tusk sets: OpenTelemetry semantic conventions v1.44.0 (swift-otel-semantic-conventions)
/// first, then Tusk's own (`tusk.*`, documented in README).
public enum Attribute {
    public static let dbSystemName = OTelAttribute.db.system.name
    public static let dbNamespace = OTelAttribute.db.namespace
    public static let dbQueryText = OTelAttribute.db.query.text
    public static let dbQuerySummary = OTelAttribute.db.query.summary
    public static let dbOperationName = OTelAttribute.db.operation.name
    public static let dbCollectionName = OTelAttribute.db.collection.name
    public static let dbStoredProcedureName = OTelAttribute.db.storedProcedure.name
    public static let dbOperationBatchSize = OTelAttribute.db.operation.batch.size
    public static let dbResponseStatusCode = OTelAttribute.db.response.statusCode
    /// Opt-in in the conventions and only generated behind the package's Experimental trait.
    public static let dbResponseReturnedRows = "db.response.returned_rows"
    public static let errorType = OTelAttribute.error.type
    public static let serverAddress = OTelAttribute.server.address
    public static let serverPort = OTelAttribute.server.port
    public static let networkPeerAddress = OTelAttribute.network.peer.address
    public static let networkPeerPort = OTelAttribute.network.peer.port
    public static let networkTransport = OTelAttribute.network.transport
    /// Development-stage in the conventions (only generated behind the Experimental trait).
    public static let threadID = "thread.id"

    /// Rows a command changed (INSERT/UPDATE/DELETE/MERGE/COPY tag counts).
    public static let tuskRowsAffected = "tusk.rows_affected"
    /// The exported text was shortened (capture limit or --max-query-length).
    public static let tuskQueryTruncated = "tusk.query.truncated"
    /// The statement was prepared before Tusk watched the connection: only its name is known.
    public static let tuskQueryTextUnknown = "tusk.query.text_unknown"
    public static let tuskStatementName = "tusk.statement.name"
    /// Statements of a multi-statement Query that completed (the next one failed if the span is an error).
    public static let tuskBatchCompleted = "tusk.batch.statements_completed"
    /// The StartupMessage's user and application_name.
    public static let tuskDatabaseUser = "tusk.db.user"
    public static let tuskApplicationName = "tusk.db.application_name"
}
