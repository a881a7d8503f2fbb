/// Attribute keys Tusk sets: OpenTelemetry semantic conventions (v1.44.0) first, then Tusk's own
/// (`tusk.*`, documented in README).
public enum Attribute {
    public static let dbSystemName = "db.system.name"
    public static let dbNamespace = "db.namespace"
    public static let dbQueryText = "db.query.text"
    public static let dbQuerySummary = "db.query.summary"
    public static let dbOperationName = "db.operation.name"
    public static let dbCollectionName = "db.collection.name"
    public static let dbOperationBatchSize = "db.operation.batch.size"
    public static let dbResponseStatusCode = "db.response.status_code"
    public static let dbResponseReturnedRows = "db.response.returned_rows"
    public static let errorType = "error.type"
    public static let serverAddress = "server.address"
    public static let serverPort = "server.port"
    public static let networkPeerAddress = "network.peer.address"
    public static let networkPeerPort = "network.peer.port"
    public static let networkTransport = "network.transport"
    public static let threadID = "thread.id"

    /// Rows a command changed (INSERT/UPDATE/DELETE/MERGE/COPY tag counts).
    public static let tuskRowsAffected = "tusk.rows_affected"
    /// The captured text stops at `--max-query-bytes`.
    public static let tuskQueryTruncated = "tusk.query.truncated"
    /// The statement was prepared before Tusk watched the connection: only its name is known.
    public static let tuskQueryTextUnknown = "tusk.query.text_unknown"
    public static let tuskStatementName = "tusk.statement.name"
    /// The StartupMessage's user and application_name.
    public static let tuskDatabaseUser = "tusk.db.user"
    public static let tuskApplicationName = "tusk.db.application_name"
}
