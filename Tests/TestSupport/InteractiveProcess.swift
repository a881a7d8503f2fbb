import Foundation

/// A client program the test talks to while it runs (a Python session driven line by line, a
/// psql blocked in pg_sleep): lines in, standard output lines out, signals, and its exit status.
/// Killed and reaped on deinit if the test did not wait for it.
public final class InteractiveProcess: @unchecked Sendable {
    private let child: Spawned
    private let condition = NSCondition()
    private var lines: [String] = []
    private var outputEnded = false
    private var errorsEnded = false
    private var errors = ""
    private var exitStatus: Int32?
    private var inputClosed = false

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        child = try Spawned(executable, arguments, environment: environment)
        Thread { [self] in
            readLines(child.stdout) { self.lines.append($0) }
            condition.lock()
            outputEnded = true
            condition.broadcast()
            condition.unlock()
        }.start()
        Thread { [self] in
            readLines(child.stderr) { self.errors += $0 + "\n" }
            condition.lock()
            errorsEnded = true
            condition.broadcast()
            condition.unlock()
        }.start()
    }

    /// `executable arguments…` held until the test sends a line: its pid is known (for
    /// `tusk run --pid`) before it does anything. `sh` reads the line, then execs the program.
    public static func heldUntilGo(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> InteractiveProcess {
        try InteractiveProcess("/bin/sh", ["-c", "read go && exec \"$0\" \"$@\"", executable] + arguments, environment: environment)
    }

    deinit {
        if exitStatus == nil {
            kill(child.pid, SIGKILL)
            _ = wait()
        }
    }

    public var pid: Int32 { child.pid }

    /// Standard error so far.
    public var errorOutput: String {
        condition.lock()
        defer { condition.unlock() }
        return errors
    }

    /// Writes `line` and a newline to the program's standard input.
    public func send(_ line: String) {
        guard !inputClosed else { return }
        child.write(line + "\n")
    }

    public func closeInput() {
        guard !inputClosed else { return }
        inputClosed = true
        child.closeInput()
    }

    /// The next line of standard output, waiting up to `timeout`.
    public func nextLine(timeout: TimeInterval = 30) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        condition.lock()
        defer { condition.unlock() }
        while lines.isEmpty {
            if outputEnded { throw ProcessError(message: "output ended; stderr: \(errors)") }
            if !condition.wait(until: deadline) { throw ProcessError(message: "no output line within \(timeout) s; stderr: \(errors)") }
        }
        return lines.removeFirst()
    }

    /// The next output line parsed as a JSON object.
    public func nextJSON(timeout: TimeInterval = 30) throws -> [String: Any] {
        let line = try nextLine(timeout: timeout)
        guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
            throw ProcessError(message: "not a JSON object: \(line)")
        }
        return object
    }

    public func signal(_ signal: Int32) {
        kill(child.pid, signal)
    }

    /// Waits for the program to exit: its status (128 + signal when killed).
    @discardableResult
    public func wait() -> Int32 {
        if let exitStatus { return exitStatus }
        var status: Int32 = 0
        while waitpid(child.pid, &status, 0) < 0 && errno == EINTR {}
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        exitStatus = code
        // what the program wrote last is read by the reader threads: wait for both to reach the
        // end (bounded, in case a grandchild keeps the pipes open)
        let deadline = Date().addingTimeInterval(5)
        condition.lock()
        while !(outputEnded && errorsEnded) && condition.wait(until: deadline) {}
        condition.unlock()
        return code
    }

    private func readLines(_ fd: Int32, _ append: (String) -> Void) {
        defer { close(fd) }
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = Glibc.read(fd, &buffer, buffer.count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            pending.append(contentsOf: buffer[0..<n])
            while let newline = pending.firstIndex(of: 0x0a) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                condition.lock()
                append(line)
                condition.broadcast()
                condition.unlock()
            }
        }
        if !pending.isEmpty {
            condition.lock()
            append(String(decoding: pending, as: UTF8.self))
            condition.unlock()
        }
    }

    public struct ProcessError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
