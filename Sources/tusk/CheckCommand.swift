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

    func run() async throws {
        var findings = Preflight.run()
        do {
            let resolved = try scope.resolve(environment: ProcessInfo.processInfo.environment)
            findings.append(Preflight.Finding(verdict: .ok, message: resolved.description))
        } catch {
            findings.append(Preflight.Finding(verdict: .blocker, message: "\(error)"))
        }
        // written straight to the fd: the exit that follows must not lose buffered lines
        let text = Array(findings.map { $0.line + "\n" }.joined().utf8)
        _ = text.withUnsafeBytes { write(STDOUT_FILENO, $0.baseAddress, $0.count) }
        if findings.contains(where: { $0.verdict == .blocker }) {
            throw ExitCode(1)
        }
    }
}
