/// Which clients Tusk sees over TLS (ClientLibraryTLSTests). Every client's workload runs over
/// TLS; a client Tusk sees is held to the same spans as in the clear, any other to "counted, not
/// seen, no spans".
extension ClientWorkload: Hashable {
    static func == (left: ClientWorkload, right: ClientWorkload) -> Bool { left.name == right.name }
    func hash(into hasher: inout Hasher) { hasher.combine(name) }
}

extension ClientWorkload {
    /// TLS libraries Tusk does not hook, by design: Java's JSSE (JDBC) and SwiftNIO SSL's
    /// BoringSSL (PostgresNIO).
    static let tlsNotHooked: Set<ClientWorkload> = [.jdbc, .postgresNIO]

    /// Workloads that can wait (TUSK_HOLD=1) for a line on stdin, already running with their TLS
    /// library loaded, before they connect: the agent then finds the library a Python wheel bundles,
    /// node's built-in OpenSSL and a Go executable's crypto/tls at start. (A process that loads a
    /// copy nobody loaded before while the agent runs is probed a few milliseconds later:
    /// TLSDiscoveryEndToEndTests covers that, and its race.)
    static let holdsBeforeConnecting: Set<ClientWorkload> = [.psycopg2, .psycopg3, .asyncpg, .pg8000, .nodePostgres, .pgx]

    /// Whether Tusk sees this client's plaintext over TLS.
    var tlsSeen: Bool { !Self.tlsNotHooked.contains(self) }
}
