import KernelRecords

/// Finds (and remembers) the resource of an observed process. Called on the reader thread for
/// every span, so implementations cache; Agent's ProcfsProcessResolver reads /proc while the process lives.
public protocol ProcessResolver: AnyObject {
    func process(pid: Int32, command: String) -> ObservedProcess
    /// The kernel saw the process's first connection (and woke the reader at once): resolve it
    /// now, while it most likely still runs, with the kernel's own reading for when it does not.
    func announce(_ snapshot: ProcessSnapshot)
}

extension ProcessResolver {
    public func announce(_ snapshot: ProcessSnapshot) {}
}

/// A resolver that knows only what the kernel record says: pid and command name.
public final class CommandNameResolver: ProcessResolver {
    private var known: [Int32: ObservedProcess] = [:]

    public init() {}

    public func process(pid: Int32, command: String) -> ObservedProcess {
        if let process = known[pid], process.command == command { return process }
        let process = ObservedProcess(
            pid: pid, command: command,
            resourceAttributes: [
                .string("service.name", command),
                .int("process.pid", Int64(pid)),
                .string("process.executable.name", command),
            ])
        if known.count > 4096 { known.removeAll() }
        known[pid] = process
        return process
    }
}
