import Agent
import ArgumentParser
import Foundation
import Glibc
import Capture

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Preflight: can Tusk trace on this machine? One line per finding; non-zero exit on a blocker.")

    @OptionGroup(title: "Scope")
    var scope: ScopeFlags

    @OptionGroup(title: "Capture")
    var capture: CaptureFlags

    @Flag(help: ArgumentHelp(
        "Load every kernel program on its own and print, tab-separated, its verdict, the instructions the verifier processed (its limit is 1,000,000), the verification time and the reason of a rejection."))
    var programs = false

    func run() async throws {
        if programs {
            try verifyEachProgram()
            return
        }
        var findings = Preflight.run(options: capture.options)
        do {
            let resolved = try scope.resolve(environment: ProcessInfo.processInfo.environment)
            findings.append(Preflight.Finding(verdict: .ok, message: resolved.description))
        } catch {
            findings.append(Preflight.Finding(verdict: .blocker, message: "\(error)"))
        }
        writeOut(findings.map { $0.line + "\n" }.joined())
        if findings.contains(where: { $0.verdict == .blocker }) {
            throw ExitCode(1)
        }
    }

    private func verifyEachProgram() throws {
        let verdicts: [ProgramVerdict]
        do {
            verdicts = try ProgramVerdict.verifyEach(options: capture.options)
        } catch {
            Logging.fail("tusk: \(error)")
        }
        var text = "# kernel \(ProgramVerdict.kernelRelease)\nprogram\tverdict\tinstructions\tverifier_ms\treason\n"
        for verdict in verdicts {
            let milliseconds = String(format: "%.1f", Double(verdict.verificationMicroseconds) / 1000)
            text += "\(verdict.program)\t\(verdict.loaded ? "loaded" : "rejected")\t\(verdict.instructions)\t\(milliseconds)\t\(verdict.reason)\n"
        }
        writeOut(text)
        if verdicts.isEmpty || verdicts.contains(where: { !$0.loaded }) {
            throw ExitCode(1)
        }
    }

    /// Writes straight to the fd: the exit that may follow must not lose buffered lines.
    private func writeOut(_ text: String) {
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
    }
}
