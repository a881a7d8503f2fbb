/// A name under which the two ends of one connection find each other: the socket pair both see
/// (TCP), or the process id of the BackendKeyData the server sent, which both ends read from the
/// same bytes (any transport, any PID namespace, and through address translation).
public enum HopKey: Hashable, Sendable {
    case socket(ConnectionKey)
    case backend(UInt32)
}
