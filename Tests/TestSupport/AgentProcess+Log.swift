import Foundation

extension AgentProcess {
    /// Waits until one line of the agent's log contains every one of `parts`; whether it came.
    @discardableResult
    public func waitForLogLine(containing parts: [String], timeout: TimeInterval = 10) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            if stderrText.split(separator: "\n").contains(where: { line in parts.allSatisfy { line.contains($0) } }) { return true }
            if Date() >= deadline { return false }
            usleep(20_000)
        }
    }
}
