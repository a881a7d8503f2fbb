import Foundation

/// Debian's PgBouncer (`/usr/sbin/pgbouncer`, installed by scripts/setup) in front of a sandbox:
/// listening on 127.0.0.1 on a free port, trust authentication for the sandbox's user `tusk`,
/// forwarding over TCP 127.0.0.1; or, with `unixSockets`, taking clients on a Unix socket in its
/// directory and forwarding to the sandbox's. PgBouncer refuses to run as root: it drops to
/// `postgres`. Stopped on deinit.
public final class PgBouncer: @unchecked Sendable {
    public enum PoolMode: String, Sendable {
        case session, transaction
    }

    public static let binary = "/usr/sbin/pgbouncer"
    public let port: Int
    public let directory: String
    private let child: Spawned

    public let unixSockets: Bool

    public init(in front: PostgresSandbox, poolMode: PoolMode, unixSockets: Bool = false) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw BouncerError(message: "\(Self.binary) missing: scripts/setup installs Debian's pgbouncer")
        }
        port = try freePort()
        self.unixSockets = unixSockets
        directory = NSTemporaryDirectory() + "tusk-pgbouncer-\(getpid())-\(port)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let configuration = """
            [databases]
            tusk = host=\(unixSockets ? front.directory : "127.0.0.1") port=\(front.port) dbname=tusk user=tusk

            [pgbouncer]
            listen_addr = 127.0.0.1
            listen_port = \(port)
            unix_socket_dir = \(unixSockets ? directory : "")
            auth_type = trust
            auth_file = \(directory)/userlist.txt
            pool_mode = \(poolMode.rawValue)
            server_tls_sslmode = disable
            max_client_conn = 100
            default_pool_size = 4
            log_connections = 0
            log_disconnections = 0

            """
        try configuration.write(toFile: directory + "/pgbouncer.ini", atomically: true, encoding: .utf8)
        try "\"tusk\" \"\"\n".write(toFile: directory + "/userlist.txt", atomically: true, encoding: .utf8)
        for file in ["pgbouncer.ini", "userlist.txt"] {
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: directory + "/" + file)
        }
        // its socket goes in the directory
        if unixSockets { try FileManager.default.setAttributes([.ownerAccountName: "postgres"], ofItemAtPath: directory) }
        // the log goes to a file the shell opens before PgBouncer drops to `postgres`
        child = try Spawned(
            "/bin/sh", ["-c", "exec \"$0\" -u postgres \"$1\" 2>\"$2\"", Self.binary, directory + "/pgbouncer.ini", directory + "/pgbouncer.log"])
        child.closeInput()
        let deadline = Date().addingTimeInterval(10)
        while !Self.accepts(port: port) {
            if Date() >= deadline || kill(child.pid, 0) != 0 {
                let log = (try? String(contentsOfFile: directory + "/pgbouncer.log", encoding: .utf8)) ?? ""
                stop()
                throw BouncerError(message: "pgbouncer did not start listening on \(port): \(log)")
            }
            usleep(20_000)
        }
    }

    deinit { stop() }

    /// PgBouncer's process (it does not fork without -d).
    public var pid: Int32 { child.pid }

    /// psql connection arguments through PgBouncer.
    public var connection: [String] { ["-h", unixSockets ? directory : "127.0.0.1", "-p", String(port), "-U", "tusk", "-d", "tusk"] }

    /// A libpq connection string through PgBouncer.
    public var dsn: String { "host=\(unixSockets ? directory : "127.0.0.1") port=\(port) user=tusk dbname=tusk sslmode=disable" }

    private var stopped = false

    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(child.pid, SIGTERM)
        _ = child.wait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private static func accepts(port: Int) -> Bool {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = UInt16(port).bigEndian
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
        }
    }

    public struct BouncerError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
