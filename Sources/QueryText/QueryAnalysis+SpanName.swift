// The span name the database conventions derive from an analysis and the connection.

extension QueryAnalysis {
    /// The span name per semantic conventions v1.44.0 (database-spans.md, "Name"):
    /// `{db.query.summary}` when there is a summary; else `{db.operation.name} {target}`; else
    /// `{target}`; else `postgresql` (the `db.system.name`).
    ///
    /// `{target}` is the first available of `db.collection.name`, `db.stored_procedure.name`,
    /// `db.namespace`, and `server.address:server.port` (just the address when the port is unknown).
    /// - Parameter analysis: nil when no query text was captured (e.g. a bare Sync or Close).
    public static func spanName(
        _ analysis: QueryAnalysis?,
        namespace: String?,
        serverAddress: String?,
        serverPort: Int?
    ) -> String {
        if let summary = analysis?.summary, !summary.isEmpty { return summary }
        let server: String? = serverAddress.map { address in serverPort.map { "\(address):\($0)" } ?? address }
        let target = analysis?.collection ?? analysis?.storedProcedure ?? namespace.flatMap { $0.isEmpty ? nil : $0 } ?? server
        switch (analysis?.operation, target) {
        case let (operation?, target?): return "\(operation) \(target)"
        case let (operation?, nil): return operation
        case let (nil, target?): return target
        case (nil, nil): return "postgresql"
        }
    }
}
