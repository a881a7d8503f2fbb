/// The process a span was observed in: the key its resource is built from.
public struct ObservedProcess: Sendable, Hashable {
    public var pid: Int32
    /// The kernel's command name (`comm`, at most 15 bytes).
    public var command: String

    public init(pid: Int32, command: String) {
        self.pid = pid
        self.command = command
    }
}
