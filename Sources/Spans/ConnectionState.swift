import Wire

/// What Tusk remembers about one PostgreSQL connection between its requests: who connected to
/// which database, and the SQL text behind each prepared statement and portal name. A class, so
/// the statement maps are changed in place rather than copied per request.
final class ConnectionState {
    var startup: StartupParameters?
    /// The connection's application_name now: the startup's, then each one the server reports.
    var applicationName: String?
    /// Attributes every span of this connection carries (namespace, user, addresses), built once.
    var attributes: [SpanAttribute]?
    /// Where the connection goes (database, server address and port), worked out once.
    var target: ConnectionTarget?
    /// Statement name → query text (the unnamed statement is ""), and whether the capture cut it.
    var statements: BoundedMap<String, (text: [UInt8], truncated: Bool)>
    /// Portal name → statement name.
    var portals: BoundedMap<String, String>
    /// The statement a prepare-only request (Parse, no Execute) stored, when that was this
    /// connection's last request, and when it ended: its first execution, if it comes next and
    /// soon, is the call that sent the text, so the text's sqlcommenter comment parents it.
    var justPrepared: (statement: String, endNanoseconds: UInt64)?

    init(maxStatements: Int) {
        statements = BoundedMap(limit: maxStatements)
        portals = BoundedMap(limit: maxStatements)
    }
}
