import ArgumentParser
import Foundation
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
        for finding in findings {
            print(finding.line)
        }
        if findings.contains(where: { $0.verdict == .blocker }) {
            throw ExitCode(1)
        }
    }
}
