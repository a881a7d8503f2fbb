import CTuskRecord

/// Totals the kernel programs keep (`enum tusk_counter`), summed over CPUs.
public struct KernelCounters: Sendable, Equatable {
    /// Records submitted to the ring buffer.
    public var records: UInt64 = 0
    /// Records dropped because the ring buffer was full.
    public var recordsLost: UInt64 = 0
    public var connectionsOpened: UInt64 = 0
    /// Connections first seen after their startup (opened before Tusk).
    public var connectionsMidstream: UInt64 = 0
    /// Connections that switched to SSL/GSS encryption.
    public var connectionsEncrypted: UInt64 = 0
    /// Encrypted (SSL) connections whose plaintext the TLS library probes handed over; the rest of
    /// `connectionsEncrypted` went through a library Tusk does not probe and is not seen.
    public var connectionsEncryptedSeen: UInt64 = 0
    /// Encrypted connections whose application data went out outside any probed TLS call: their
    /// TLS library is not one Tusk probes, and their plaintext is not seen.
    public var connectionsEncryptedUnseen: UInt64 = 0
    public var connectionsClosed: UInt64 = 0
    /// Streams that stopped parsing as PostgreSQL and were dropped.
    public var desynchronized: UInt64 = 0
    /// Requests that could not be tracked (too many in flight).
    public var overflowed: UInt64 = 0
    /// Backend answers with no request waiting.
    public var unmatched: UInt64 = 0
    /// Sends not followed because the thread's task storage could not be had.
    public var stashUnavailable: UInt64 = 0
    /// TLS plaintext not walked because the thread's task storage could not be had.
    public var tlsWalkUnavailable: UInt64 = 0
    /// TLS plaintext not walked because no socket is known for its SSL object.
    public var tlsUntied: UInt64 = 0
    /// OpenSSL calls whose probe fired in a process Tusk does not trace (it left at once): the
    /// traps an unscoped agent's per-file probes cost processes out of scope.
    public var tlsCallsOutOfScope: UInt64 = 0

    public init() {}

    package init(_ v: [UInt64]) {
        records = v[Int(TUSK_C_RECORDS.rawValue)]
        recordsLost = v[Int(TUSK_C_RECORDS_LOST.rawValue)]
        connectionsOpened = v[Int(TUSK_C_CONNS_OPENED.rawValue)]
        connectionsMidstream = v[Int(TUSK_C_CONNS_MIDSTREAM.rawValue)]
        connectionsEncrypted = v[Int(TUSK_C_CONNS_ENCRYPTED.rawValue)]
        connectionsClosed = v[Int(TUSK_C_CONNS_CLOSED.rawValue)]
        desynchronized = v[Int(TUSK_C_DESYNC.rawValue)]
        overflowed = v[Int(TUSK_C_OVERFLOW.rawValue)]
        unmatched = v[Int(TUSK_C_UNMATCHED.rawValue)]
        stashUnavailable = v[Int(TUSK_C_STASH_UNAVAILABLE.rawValue)]
        tlsWalkUnavailable = v[Int(TUSK_C_TLS_WALK_UNAVAILABLE.rawValue)]
        tlsUntied = v[Int(TUSK_C_TLS_UNTIED.rawValue)]
        connectionsEncryptedSeen = v[Int(TUSK_C_CONNS_TLS_SEEN.rawValue)]
        connectionsEncryptedUnseen = v[Int(TUSK_C_CONNS_TLS_UNSEEN.rawValue)]
        tlsCallsOutOfScope = v[Int(TUSK_C_TLS_OUT_OF_SCOPE.rawValue)]
    }
}
