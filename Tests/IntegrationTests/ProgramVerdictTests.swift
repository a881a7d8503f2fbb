import Foundation
import Testing
import TestSupport

/// A program the kernel refuses is named, with the kernel and the verifier's own reason, by
/// `tusk check`, `tusk check --programs` and `tusk run`, which then exit 1.
@Suite(.enabled(if: TestEnvironment.canRunEBPF))
struct ProgramVerdictTests {
    /// Tusk's object plus `unbounded_read`, which reads user memory of an unbounded length.
    static func rejectedObject() throws -> String {
        let source = TestEnvironment.packageRoot.appendingPathComponent("Tests/BPFFixtures/rejected.bpf.c").path
        let object = NSTemporaryDirectory() + "tusk-rejected-\(getpid()).bpf.o"
        let clang = try ChildProcess.run(
            "/usr/bin/env",
            ["clang", "-O2", "-g", "-target", "bpf", "-D__TARGET_ARCH_x86", "-I/usr/include/x86_64-linux-gnu", "-c", source, "-o", object])
        try #require(clang.status == 0, "clang: \(clang.errorOutput)")
        return object
    }

    static var kernelRelease: String {
        (try? String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
    }

    @Test func eachCommandNamesTheProgramTheKernelAndTheVerifiersReason() throws {
        let object = try Self.rejectedObject()
        defer { try? FileManager.default.removeItem(atPath: object) }
        let environment = ["TUSK_BPF_OBJECT": object]
        let named = "kernel \(Self.kernelRelease) rejected program unbounded_read (tracepoint/syscalls/sys_exit_getpid): R2 "

        let check = try ChildProcess.run(AgentProcess.binary, ["check"], environment: environment)
        #expect(check.status == 1, "\(check.output)")
        let failure = check.output.split(separator: "\n").first { $0.hasPrefix("FAIL") }.map(String.init) ?? ""
        #expect(failure.contains(named), "\(check.output)")
        // the verifier's reason, and the instruction and source line it is about
        #expect(failure.contains("call bpf_probe_read_user"), "\(failure)")
        #expect(failure.contains("rejected.bpf.c") || failure.contains("bpf_probe_read_user(buf, ctx->ret, 0)"), "\(failure)")

        let each = try ChildProcess.run(AgentProcess.binary, ["check", "--programs"], environment: environment)
        #expect(each.status == 1)
        let rows = each.output.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("program\t") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        let rejected = rows.filter { $0.count >= 5 && $0[1] == "rejected" }
        #expect(rejected.map { String($0[0]) } == ["unbounded_read"], "\(each.output)")
        #expect(rejected.first.map { $0[4].hasPrefix("R2 ") } == true)
        // the agent's own programs still load, each on its own
        #expect(rows.filter { $0.count >= 5 && $0[1] == "loaded" }.count >= 14, "\(each.output)")

        let run = try ChildProcess.run(AgentProcess.binary, ["run", "--listen", "off"], environment: environment)
        #expect(run.status == 1)
        let lines = run.errorOutput.split(separator: "\n").filter { $0.hasPrefix("tusk:") }
        #expect(lines.count == 1, "\(run.errorOutput)")
        #expect(lines.first?.contains(named) == true, "\(run.errorOutput)")
        #expect(!run.errorOutput.contains("libbpf: prog"), "\(run.errorOutput)")
    }

    /// Every program of the agent loads on its own at the smallest and largest text capture, well
    /// inside a fifth of the verifier's budget of 1,000,000 instructions.
    @Test(arguments: [64, 1024, 16384])
    func everyProgramLoadsWithinAFifthOfTheVerifiersBudget(maxQueryBytes: Int) throws {
        let each = try ChildProcess.run(AgentProcess.binary, ["check", "--programs", "--max-query-bytes", String(maxQueryBytes)])
        #expect(each.status == 0, "\(each.output)")
        let rows = each.output.split(separator: "\n").filter { !$0.hasPrefix("#") && !$0.hasPrefix("program\t") }
            .map { $0.split(separator: "\t", omittingEmptySubsequences: false) }
        #expect(rows.count >= 14, "\(each.output)")
        for row in rows {
            #expect(row.count >= 3 && row[1] == "loaded" && (Int(row[2]) ?? .max) <= 200_000, "\(row)")
        }
    }
}
