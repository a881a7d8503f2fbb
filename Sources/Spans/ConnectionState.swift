import Wire

/// What Tusk remembers about one PostgreSQL connection between its requests: who connected to
/// which database, and the SQL text behind each prepared statement and portal name. A class, so
/// the statement maps are changed in place rather than copied per request.
final class ConnectionState {
    var startup: StartupParameters?
    /// Attributes every span of this connection carries (namespace, user, addresses), built once.
    var attributes: [SpanAttribute]?
    /// Where the connection goes (database, server address and port), worked out once.
    var target: ConnectionTarget?
    /// Statement name → query text (the unnamed statement is ""), and whether the capture cut it.
    var statements: BoundedMap<String, (text: [UInt8], truncated: Bool)>
    /// Portal name → statement name.
    var portals: BoundedMap<String, String>

    init(maxStatements: Int) {
        statements = BoundedMap(limit: maxStatements)
        portals = BoundedMap(limit: maxStatements)
    }
}
