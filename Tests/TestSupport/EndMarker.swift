import Foundation

/// A query a test sends after everything it is about, so that "nothing else arrived" waits for
/// the pipeline instead of a guessed sleep. The kernel writes records into one ring buffer in the
/// order their system calls ran, the agent turns them into spans in that order and exports them
/// in that order; so once the marker's span has arrived, every span of traffic that ended before
/// the marker was sent has arrived too.
///
/// The marker is a psql held until `send()`: its pid is known before the agent starts (pass
/// `agentArguments` to an agent scoped with `--pid`), or it joins a cgroup first (for `--cgroup`).
public final class EndMarker: @unchecked Sendable {
    /// The column alias that names this marker: an identifier, so it survives sanitizing.
    public let name: String
    public let text: String
    private let client: InteractiveProcess

    public init(_ postgres: PostgresSandbox, cgroup: String? = nil) throws {
        name = "end_marker_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        text = "SELECT 1 AS \(name)"
        let join = cgroup.map { "echo $$ > '\($0)/cgroup.procs' && " } ?? ""
        client = try InteractiveProcess(
            "/bin/sh", ["-c", join + "read go && exec \"$0\" \"$@\"", postgres.binaries + "/psql", "-X", "-q", "-c", text] + postgres.connection())
    }

    public var pid: Int32 { client.pid }

    /// `tusk run` arguments that trace the marker when the agent traces chosen pids only.
    public var agentArguments: [String] { ["--pid", String(pid)] }

    /// Runs the marker query and waits for psql to exit; everything the test sent before is done.
    /// Calling it again does nothing.
    public func send() throws {
        client.send("go")
        client.closeInput()
        let status = client.wait()
        guard status == 0 else { throw InteractiveProcess.ProcessError(message: "end marker psql exited \(status): \(client.errorOutput)") }
    }

    /// Whether `span` is the marker's: its client's, or (seen from the backend, or sanitized) its text.
    public func marks(_ span: AgentProcess.Span) -> Bool {
        span.pid == pid || span.text?.contains(name) == true
    }
}
