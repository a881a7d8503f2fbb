/// Where a connection goes: its database, server address and port. A span's name falls back to
/// them when there is no query summary, and the request metrics carry them. Worked out once per
/// connection; one object per distinct target (`ConnectionTargetTable`), so that request metrics
/// can tell targets apart by identity.
public final class ConnectionTarget: Sendable {
    public let namespace: String?
    public let serverAddress: String?
    public let serverPort: Int64?

    public init(namespace: String?, serverAddress: String?, serverPort: Int64?) {
        self.namespace = namespace
        self.serverAddress = serverAddress
        self.serverPort = serverPort
    }
}
