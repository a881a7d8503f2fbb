import ArgumentParser
import Capture

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Preflight: can Tusk trace on this machine? One line per finding; non-zero exit on a blocker.")

    func run() async throws {
        let findings = Preflight.run()
        for finding in findings {
            print(finding.line)
        }
        if findings.contains(where: { $0.verdict == .blocker }) {
            throw ExitCode(1)
        }
    }
}
