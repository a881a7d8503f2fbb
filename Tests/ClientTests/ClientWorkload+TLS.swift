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

    /// Clients whose TLS is seen once support lands elsewhere; until then each is held to the
    /// not-hooked behaviour. Remove a client as its support merges, and its full-span TLS test runs.
    /// - psycopg2, psycopg 3: the wheels' own libssl copies (psycopg2_binary.libs,
    ///   psycopg_binary.libs), first mapped after the agent started: OpenSSL discovery at exec/dlopen.
    /// - node-postgres: the OpenSSL linked into the node executable, started after the agent: the same.
    /// - pgx: Go's crypto/tls: the Go uprobes.
    static let tlsAwaitingSupport: Set<ClientWorkload> = [.psycopg2, .psycopg3, .nodePostgres, .pgx]

    /// Whether Tusk sees this client's plaintext over TLS.
    var tlsSeen: Bool { !Self.tlsNotHooked.contains(self) && !Self.tlsAwaitingSupport.contains(self) }
}
