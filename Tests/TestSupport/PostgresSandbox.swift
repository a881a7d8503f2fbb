import Foundation
import Synchronization

/// A throwaway PostgreSQL 15 for the test process (scripts/pg-sandbox): initdb in a temp dir,
/// listening on 127.0.0.1, ::1 and a Unix socket, stopped when the tests exit; or one of a test's
/// own, in a cgroup of its own.
public final class PostgresSandbox: Sendable {
    public static let shared = Result { try PostgresSandbox(tls: false) }
    /// A second shared sandbox with `ssl = on` (a self-signed certificate made at start): libpq's
    /// default sslmode=prefer, and sslmode=require, encrypt every TCP connection to it.
    public static let sharedTLS = Result { try PostgresSandbox(tls: true) }

    public let directory: String
    public let port: Int
    /// Where client binaries (psql, pgbench) live.
    public let binaries: String

    /// Stopped by deinit (a sandbox of a test's own); the shared one is stopped at exit.
    private let stopsWhenReleased: Bool

    private init(tls: Bool) throws {
        directory = NSTemporaryDirectory() + "tusk-tests-\(getpid())" + (tls ? "-tls" : "")
        stopsWhenReleased = false
        port = try freePort()
        binaries = try Self.binaries()
        try Self.start(directory: directory, port: port, join: "", environment: tls ? ["PG_SANDBOX_SSL": "1"] : [:])
        sandboxesToStop.withLock { sandboxes in
            if sandboxes.isEmpty {
                atexit {
                    for directory in sandboxesToStop.withLock({ $0 }) {
                        _ = try? ChildProcess.run("/bin/bash", [PostgresSandbox.script, "stop", directory])
                        try? FileManager.default.removeItem(atPath: directory)
                    }
                }
            }
            sandboxes.append(directory)
        }
        try initializePgbench()
    }

    /// A sandbox of the test's own, its postmaster and backends inside `cgroup` (a server in a pod
    /// of its own, for an agent scoped with --cgroup); stopped and removed when released.
    public init(in cgroup: TestCgroup) throws {
        directory = NSTemporaryDirectory() + "tusk-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        stopsWhenReleased = true
        port = try freePort()
        binaries = try Self.binaries()
        try Self.start(directory: directory, port: port, join: cgroup.join)
        try initializePgbench()
    }

    /// A sandbox of the test's own with `ssl = on` whose server loads its libraries from
    /// `libraries` first (LD_LIBRARY_PATH: a libssl there is the server's alone, as a database
    /// container's is); stopped and removed when released.
    public init(tlsWithLibrariesFrom libraries: String) throws {
        directory = NSTemporaryDirectory() + "tusk-tests-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        stopsWhenReleased = true
        port = try freePort()
        binaries = try Self.binaries()
        try Self.start(directory: directory, port: port, join: "", environment: ["PG_SANDBOX_SSL": "1", "LD_LIBRARY_PATH": libraries])
        try initializePgbench()
    }

    deinit {
        if stopsWhenReleased { stop() }
    }

    /// The postmaster's pid (the first line of its postmaster.pid).
    public var postmasterPid: Int32? {
        (try? String(contentsOfFile: directory + "/data/postmaster.pid", encoding: .utf8))
            .flatMap { $0.split(separator: "\n").first.flatMap { Int32($0) } }
    }

    /// Stops a sandbox of the test's own and removes its directory; again, it does nothing.
    public func stop() {
        precondition(stopsWhenReleased, "the shared sandbox stops when the tests exit")
        _ = try? ChildProcess.run("/bin/bash", [Self.script, "stop", directory])
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/pg-sandbox").path

    private static func binaries() throws -> String {
        let versions = try FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql").sorted()
        return "/usr/lib/postgresql/\(versions.last ?? "15")/bin"
    }

    /// scripts/pg-sandbox start, after `join` (a shell prefix that moves it into a cgroup), with
    /// `environment` added to the server's.
    private static func start(directory: String, port: Int, join: String, environment: [String: String] = [:]) throws {
        let start = try ChildProcess.run(
            "/bin/sh", ["-c", join + "exec /bin/bash \"$0\" start \"$1\" \"$2\"", script, directory, String(port)],
            environment: environment)
        guard start.status == 0 else {
            throw SandboxError(message: "pg-sandbox start failed: \(start.output) \(start.errorOutput)")
        }
    }

    /// Tables the client workloads use.
    private func initializePgbench() throws {
        let setup = try ChildProcess.run(binaries + "/pgbench", ["-h", "127.0.0.1", "-p", String(port), "-U", "tusk", "-i", "-s", "1", "-q", "tusk"])
        guard setup.status == 0 else { throw SandboxError(message: "pgbench -i failed: \(setup.output)") }
    }

    /// psql connection arguments over TCP or the Unix socket.
    public func connection(unixSocket: Bool = false) -> [String] {
        ["-h", unixSocket ? directory : "127.0.0.1", "-p", String(port), "-U", "tusk", "-d", "tusk"]
    }

    public struct SandboxError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}

/// The shared sandboxes' directories, stopped and removed at exit.
private let sandboxesToStop = Mutex<[String]>([])

/// A TCP port nothing listens on right now.
public func freePort() throws -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    address.sin_port = 0
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
            guard bind(fd, pointer, length) == 0 else { return -1 }
            return getsockname(fd, pointer, &length)
        }
    }
    guard bound == 0 else { throw PostgresSandbox.SandboxError(message: "no free port: errno \(errno)") }
    return Int(UInt16(bigEndian: address.sin_port))
}
