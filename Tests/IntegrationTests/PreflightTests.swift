import Foundation
import Testing
import TestSupport

/// Without privileges Tusk says so in one line and exits non-zero — no libbpf dump.
@Suite(.enabled(if: TestEnvironment.canRunEBPF))
struct PreflightTests {
    /// The binary, copied where the unprivileged user can run it.
    func unprivilegedCopy() throws -> String {
        let copy = NSTemporaryDirectory() + "tusk-unprivileged-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: AgentProcess.binary, toPath: copy)
        chmod(copy, 0o755)
        return copy
    }

    @Test func runWithoutPrivilegesFailsWithOneClearLine() throws {
        let binary = try unprivilegedCopy()
        defer { try? FileManager.default.removeItem(atPath: binary) }
        let run = try ChildProcess.run("/usr/sbin/runuser", ["-u", "nobody", "--", binary, "run", "--listen", "off"])
        #expect(run.status == 1)
        let lines = run.errorOutput.split(separator: "\n").filter { $0.hasPrefix("tusk:") }
        #expect(lines.count == 1)
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
