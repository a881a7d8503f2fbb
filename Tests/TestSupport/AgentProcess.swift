import Foundation

/// The real `tusk` binary running as a child process with `--console-format json`: its spans,
/// parsed from standard output, are what the integration tests assert on.
public final class AgentProcess: @unchecked Sendable {
    /// One span as the agent printed it.
    public struct Span: Sendable {
        public let json: [String: Any & Sendable]
        public var pid: Int32 { (json["pid"] as? NSNumber)?.int32Value ?? -1 }
        public var name: String { json["name"] as? String ?? "" }
        public var kind: String { json["kind"] as? String ?? "" }
        public var status: String { json["status"] as? String ?? "" }
        public var statusMessage: String? { json["status_message"] as? String }
        public var start: UInt64 { (json["start_unix_nano"] as? NSNumber)?.uint64Value ?? 0 }
        public var end: UInt64 { (json["end_unix_nano"] as? NSNumber)?.uint64Value ?? 0 }
        public var durationNanoseconds: UInt64 { end &- start }
        public var attributes: [String: Any] { json["attributes"] as? [String: Any] ?? [:] }
        /// The span's resource (service.name, process.*, …).
        public var resource: [String: Any] { json["resource"] as? [String: Any] ?? [:] }
        public func string(_ key: String) -> String? { attributes[key] as? String }
        public func int(_ key: String) -> Int? { (attributes[key] as? NSNumber)?.intValue }
        public var text: String? { string("db.query.text") }

        public init(json: [String: Any & Sendable]) {
            self.json = json
        }

        /// A span as the OTLP receiver decoded it, in the console's JSON shape, so one set of
        /// checks holds for both exporters.
        public init(otlp span: [String: Any]) {
            let resource = span["resource"] as? [String: Any] ?? [:]
            let kinds = [2: "server", 3: "client"]
            // every code as itself: a span wrongly marked OK must not pass for one left unset
            let statuses = [0: "unset", 1: "ok", 2: "error"]
            let code = span["status_code"] as? Int
            var json: [String: Any & Sendable] = [
                "pid": (resource["process.pid"] as? Int) ?? -1,
                "name": span["name"] as? String ?? "",
                "kind": kinds[span["kind"] as? Int ?? 0] ?? "unspecified",
                "status": code.map { statuses[$0] ?? "code \($0)" } ?? "missing",
                "start_unix_nano": (span["start_time_unix_nano"] as? NSNumber) ?? 0,
                "end_unix_nano": (span["end_time_unix_nano"] as? NSNumber) ?? 0,
                // as the JSON path stores it: the decoded dictionary, cast at run time
                "attributes": (span["attributes"] ?? [String: Any]()) as! (Any & Sendable),
                "resource": resource as! (Any & Sendable),
            ]
            if let message = span["status_message"] as? String, !message.isEmpty { json["status_message"] = message }
            self.json = json
        }
    }

    /// The binary under test: TUSK_BINARY, else the debug build in the package.
    public static var binary: String {
        ProcessInfo.processInfo.environment["TUSK_BINARY"]
            ?? TestEnvironment.packageRoot.appendingPathComponent(".build/debug/tusk").path
    }

    public let listenPort: Int
    private let child: Spawned
    private let lock = NSLock()
    private var lines: [String] = []
    private var log = ""
    private var exitStatus: Int32?

    /// Starts `tusk run` with `arguments` (plus a free --listen port) and waits until the probes
    /// are attached; `cgroup`: start it inside that cgroup v2 directory (as if in a container).
    public init(arguments: [String] = [], environment: [String: String] = [:], cgroup: String? = nil) throws {
        listenPort = try freePort()
        let command = [Self.binary, "run", "--listen", "127.0.0.1:\(listenPort)", "--console-format", "json"] + arguments
        let environment = environment.merging(["TUSK_EXIT_WITH_PARENT": "1"]) { $1 }
        if let cgroup {
            let quoted = command.map { "'\($0)'" }.joined(separator: " ")
            child = try Spawned("/bin/sh", ["-c", "echo $$ > '\(cgroup)/cgroup.procs' && exec \(quoted)"], environment: environment)
        } else {
            child = try Spawned(command[0], Array(command.dropFirst()), environment: environment)
        }
        child.closeInput()
        Thread { [self] in readLines(child.stdout) { self.lines.append($0) } }.start()
        Thread { [self] in readLines(child.stderr) { self.log += $0 + "\n" } }.start()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if stderrText.contains("probes attached: tracing PostgreSQL traffic") { return }
            if kill(child.pid, 0) != 0 { break }
            usleep(20_000)
        }
        throw AgentError(message: "tusk did not attach: \(stderrText)")
    }

    deinit {
        _ = stop()
    }

    public var pid: Int32 { child.pid }

    public var stderrText: String {
        lock.lock()
        defer { lock.unlock() }
        return log
    }

    /// Every span printed so far.
    public var spans: [Span] {
        lock.lock()
        let copy = lines
        lock.unlock()
        return copy.compactMap { line in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return Span(json: object.mapValues { $0 as! (Any & Sendable) })
        }
    }

    /// Spans of process `pid`, waiting until `done` is satisfied or `timeout` passes.
    public func spans(pid: Int32, timeout: TimeInterval = 10, until done: ([Span]) -> Bool) -> [Span] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let mine = spans.filter { $0.pid == pid }
            if done(mine) || Date() >= deadline { return mine }
            usleep(20_000)
        }
    }

    /// Every span printed, once the span of `marker` (sent by the caller) is among them, without
    /// the marker's own: nothing that ended before the marker was sent can be printed after it.
    /// Throws when the marker's span does not arrive within `timeout`.
    public func spans(through marker: EndMarker, timeout: TimeInterval = 10) throws -> [Span] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let all = spans
            if all.contains(where: marker.marks) { return all.filter { !marker.marks($0) } }
            if Date() >= deadline { throw AgentError(message: "the end marker's span (\(marker.text)) did not arrive: \(stderrText)") }
            usleep(20_000)
        }
    }

    /// Sends `signal` (SIGINT by default) and returns the exit status.
    @discardableResult
    public func stop(signal: Int32 = SIGINT) -> Int32 {
        lock.lock()
        if let exitStatus {
            lock.unlock()
            return exitStatus
        }
        lock.unlock()
        kill(child.pid, signal)
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        lock.lock()
        exitStatus = code
        lock.unlock()
        return code
    }

    private func readLines(_ fd: Int32, _ append: (String) -> Void) {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: 0x0a) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                lock.lock()
                append(line)
                lock.unlock()
            }
        }
    }

    public struct AgentError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
