import Foundation
import TestSupport

/// A client library's workload program (Tests/Workloads/<client>/): whether this machine has what
/// it needs, how to build and start it, and the queries its driver runs on its own.
struct ClientWorkload: Sendable, CustomStringConvertible {
    /// How to start the built workload.
    struct Command: Sendable {
        var executable: String
        var arguments: [String]
        var environment: [String: String] = [:]
    }

    let name: String
    /// Why the workload cannot run here (scripts/setup-clients installs what it needs), or nil.
    let missing: @Sendable () -> String?
    /// Builds what needs building into the scratch directory given and returns the command.
    let prepare: @Sendable (_ scratch: String) throws -> Command
    let driverQueries: [DriverQuery]
    /// Whether the driver sends several statements in one round trip (a pipeline, a batch, or one
    /// multi-statement Query); the plan's `batch_error` step runs only where it does.
    var batches = true

    var description: String { name }

    /// Runs the test when the client is installed, or when skipping is forbidden (then it fails loudly).
    var isAvailable: Bool {
        if let reason = missing(), !TestEnvironment.noSkip {
            print("SKIPPED \(name) client test: \(reason) — run scripts/setup-clients, or set TUSK_NO_SKIP=1 to make this a failure")
            return false
        }
        return true
    }

    /// Tests/Workloads, where the programs live.
    static let directory = TestEnvironment.packageRoot.appendingPathComponent("Tests/Workloads").path

    /// Runs a build step, failing with its output.
    static func build(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        let step = try ChildProcess.run(executable, arguments, environment: environment)
        guard step.status == 0 else {
            throw BuildFailure(message: "\(([executable] + arguments).joined(separator: " ")) exited \(step.status):\n\(step.output)\(step.errorOutput)")
        }
    }

    /// Nil when `command` exits 0, else what it said.
    static func fails(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) -> String? {
        guard let check = try? ChildProcess.run(executable, arguments, environment: environment) else { return "cannot run \(executable)" }
        guard check.status != 0 else { return nil }
        let lines = check.errorOutput.split(separator: "\n")
        return "\(arguments.joined(separator: " ")): \(lines.first { $0.contains("rror") } ?? lines.last ?? "exit \(check.status)")"
    }

    static func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    struct BuildFailure: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
