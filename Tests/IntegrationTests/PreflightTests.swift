import Foundation
import Testing
import TestSupport

/// Without privileges Tusk says so in one line and exits non-zero — no libbpf dump.
@Suite(.enabled(if: TestEnvironment.canRunEBPF))
struct PreflightTests {
    /// The binary, copied where the unprivileged user can run it. Written through a close-on-exec
    /// descriptor: a child another test spawns while the copy is open must not inherit it for
    /// writing, or executing the copy fails with "Text file busy".
    func unprivilegedCopy() throws -> String {
        let copy = NSTemporaryDirectory() + "tusk-unprivileged-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: AgentProcess.binary))
        let fd = open(copy, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o755)
        guard fd >= 0 else { throw CopyError(message: "open \(copy): \(errno)") }
        defer { close(fd) }
        var written = 0
        try bytes.withUnsafeBytes { raw in
            while written < raw.count {
                let n = write(fd, raw.baseAddress! + written, raw.count - written)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw CopyError(message: "write \(copy): \(errno)") }
                written += n
            }
        }
        fchmod(fd, 0o755)
        return copy
    }

    struct CopyError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }

    @Test func runWithoutPrivilegesFailsWithOneClearLine() throws {
        let binary = try unprivilegedCopy()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let run = try ChildProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", binary, "run", "--listen", "off"])
        #expect(run.status == 1, "\(run.errorOutput)")
        let lines = run.errorOutput.split(separator: "\n").filter { $0.hasPrefix("tusk:") }
        #expect(lines.count == 1, "stderr: \(run.errorOutput)")
        #expect(lines.first?.contains("permission denied — run as root, or grant CAP_BPF and CAP_PERFMON") == true)
        #expect(!run.errorOutput.contains("libbpf: prog"))
    }

    @Test func checkReportsEachFindingAndFailsOnABlocker() throws {
        let binary = try unprivilegedCopy()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let unprivileged = try ChildProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", binary, "check"])
        #expect(unprivileged.status != 0)
        #expect(unprivileged.output.contains("FAIL     missing privileges"))
        let privileged = try ChildProcess.run(AgentProcess.binary, ["check"])
        #expect(privileged.status == 0, "\(privileged.output)")
        #expect(privileged.output.contains("ok       BPF programs load, verify and attach"))
        #expect(privileged.output.contains("scope: node"))
    }
}
