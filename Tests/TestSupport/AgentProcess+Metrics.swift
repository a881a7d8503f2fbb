import Foundation

/// What the running agent reports about itself: samples of its /metrics page and its resident
/// memory, for tests that check nothing leaks.
extension AgentProcess {
    /// The value of one sample on GET /metrics, named as it appears there, e.g.
    /// `tusk_kernel_connections` or `tusk_dropped_total{reason="desync"}`.
    public func metric(_ sample: String) throws -> Double {
        let page = try metricsPage()
        guard page.status == 200 else { throw AgentError(message: "GET /metrics: \(page.status)") }
        for line in page.body.split(separator: "\n") where line.hasPrefix(sample + " ") {
            if let value = Double(line.dropFirst(sample.count + 1).split(separator: " ")[0]) { return value }
        }
        throw AgentError(message: "no sample \(sample) on /metrics:\n\(page.body)")
    }

    /// GET /metrics. The endpoint and the probes start side by side, so right after "probes
    /// attached" the port may not be listening yet: connecting is retried for up to 10 s.
    private func metricsPage() throws -> HTTPRequest.Response {
        let deadline = Date().addingTimeInterval(10)
        while true {
            do {
                return try HTTPRequest.get(port: listenPort, path: "/metrics")
            } catch {
                if Date() >= deadline || !isRunning { throw error }
                usleep(50_000)
            }
        }
    }

    /// Waits until `sample` equals `value` (gauges settle once the ring buffer is read); the last value seen.
    public func metric(_ sample: String, settlesAt value: Double, timeout: TimeInterval = 10) throws -> Double {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let current = try metric(sample)
            if current == value || Date() >= deadline { return current }
            usleep(100_000)
        }
    }

    /// VmRSS of the agent process, in bytes.
    public var residentBytes: Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        guard let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
            let kilobytes = Int(line.split(separator: " ", omittingEmptySubsequences: true)[1])
        else { return 0 }
        return kilobytes * 1024
    }

    /// True while the agent process exists and has not exited.
    public var isRunning: Bool {
        let state = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        // state is the field after the parenthesised command; Z is a zombie (exited, not reaped)
        guard let close = state.lastIndex(of: ")") else { return false }
        return !state[state.index(after: close)...].hasPrefix(" Z")
    }
}
