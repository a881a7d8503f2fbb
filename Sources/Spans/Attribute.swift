/// Attribute keys Tusk sets: OpenTelemetry semantic conventions v1.44.0 first (SpansTests checks each
/// against swift-otel-semantic-conventions), then Tusk's own (`tusk.*`, documented in README).
/// Literals, not stored constants: every span reads them, and a literal costs no lazy-init check.
public enum Attribute {
    @inlinable public static var dbSystemName: String { "db.system.name" }
    @inlinable public static var dbNamespace: String { "db.namespace" }
    @inlinable public static var dbQueryText: String { "db.query.text" }
    @inlinable public static var dbQuerySummary: String { "db.query.summary" }
    @inlinable public static var dbOperationName: String { "db.operation.name" }
    @inlinable public static var dbCollectionName: String { "db.collection.name" }
    @inlinable public static var dbStoredProcedureName: String { "db.stored_procedure.name" }
    @inlinable public static var dbOperationBatchSize: String { "db.operation.batch.size" }
    @inlinable public static var dbResponseStatusCode: String { "db.response.status_code" }
    /// Opt-in in the conventions and only generated behind the package's Experimental trait.
    @inlinable public static var dbResponseReturnedRows: String { "db.response.returned_rows" }
    @inlinable public static var errorType: String { "error.type" }
    @inlinable public static var serverAddress: String { "server.address" }
    @inlinable public static var serverPort: String { "server.port" }
    @inlinable public static var networkPeerAddress: String { "network.peer.address" }
    @inlinable public static var networkPeerPort: String { "network.peer.port" }
    @inlinable public static var networkTransport: String { "network.transport" }
    /// Development-stage in the conventions (only generated behind the Experimental trait).
    @inlinable public static var threadID: String { "thread.id" }

    /// Rows a command changed (INSERT/UPDATE/DELETE/MERGE/COPY tag counts).
    @inlinable public static var tuskRowsAffected: String { "tusk.rows_affected" }
    /// The exported text was shortened (capture limit or --max-query-length).
    @inlinable public static var tuskQueryTruncated: String { "tusk.query.truncated" }
    /// The statement was prepared before Tusk watched the connection: only its name is known.
    @inlinable public static var tuskQueryTextUnknown: String { "tusk.query.text_unknown" }
    @inlinable public static var tuskStatementName: String { "tusk.statement.name" }
    /// Statements of a multi-statement Query that completed (the next one failed if the span is an error).
    @inlinable public static var tuskBatchCompleted: String { "tusk.batch.statements_completed" }
    /// The StartupMessage's user and application_name.
    @inlinable public static var tuskDatabaseUser: String { "tusk.db.user" }
    @inlinable public static var tuskApplicationName: String { "tusk.db.application_name" }
}
