import Foundation

/// A cgroup v2 directory of the test's own, standing for a pod: what starts through `join` runs
/// inside it, and `tusk run --cgroup path` sees nothing else. Removed on deinit, once its processes
/// have ended.
public final class TestCgroup: Sendable {
    public let path: String

    /// `<cgroup v2 mount>/tusk-test-NAME-PID`, made now.
    public init(_ name: String) throws {
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        guard let mount = mountinfo.split(separator: "\n").first(where: { $0.contains(" - cgroup2 ") })
            .map({ String($0.split(separator: " ")[4]) })
        else { throw CgroupError(message: "no cgroup v2 hierarchy mounted") }
        path = "\(mount)/tusk-test-\(name)-\(getpid())"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { remove() }

    /// Removes the directory, which only works once every process in it has ended.
    public func remove() { rmdir(path) }

    /// A shell command prefix that moves the shell into this cgroup; `exec` the program after it.
    public var join: String { "echo $$ > '\(path)/cgroup.procs' && " }

    /// `executable arguments…` run inside this cgroup, with `environment` added to the test's; it
    /// must exit 0.
    @discardableResult
    public func run(
        environment: [String: String] = [:], _ executable: String, _ arguments: [String], input: String? = nil
    ) throws -> ChildProcess {
        let run = try ChildProcess.run(
            "/bin/sh", ["-c", join + "exec \"$0\" \"$@\"", executable] + arguments, input: input, environment: environment)
        guard run.status == 0 else {
            throw CgroupError(message: "\(executable) exited \(run.status): \(run.errorOutput)")
        }
        return run
    }

    public struct CgroupError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
