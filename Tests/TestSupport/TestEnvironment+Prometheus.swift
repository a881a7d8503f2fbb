import Foundation

/// Gating of the tests that need a real Prometheus next to the agent and PostgreSQL.
extension TestEnvironment {
    /// Runs the test when eBPF, PostgreSQL and Prometheus are all there, or when skipping is
    /// forbidden (then a missing one fails the test).
    public static var canRunWithPrometheus: Bool {
        guard canRunIntegration else { return false }
        if let reason = PrometheusServer.unavailable, !noSkip {
            print("SKIPPED Prometheus test: \(reason) — set TUSK_NO_SKIP=1 to make this a failure")
            return false
        }
        return true
    }
}
