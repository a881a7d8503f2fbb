import Foundation

/// Runs a client program (psql, pgbench, python3, …) to completion: its pid, exit status, output
/// and the wall time it took, so spans can be attributed and their durations bounded.
public struct ChildProcess: Sendable {
    public let pid: Int32
    public let status: Int32
    public let output: String
    public let errorOutput: String
    public let elapsedNanoseconds: UInt64

    public static func run(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String] = [:]) throws -> ChildProcess {
        let started = monotonicNanoseconds()
        let child = try Spawned(executable, arguments, environment: environment)
        if let input { child.write(input) }
        child.closeInput()
        let (output, errors) = child.readAll()
        let status = child.wait()
        return ChildProcess(
            pid: child.pid,
            status: status,
            output: String(decoding: output, as: UTF8.self),
            errorOutput: String(decoding: errors, as: UTF8.self),
            elapsedNanoseconds: monotonicNanoseconds() - started)
    }
}
