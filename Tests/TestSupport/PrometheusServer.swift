import Foundation

/// A real Prometheus (Debian's `prometheus` package, scripts/setup) scraping the agent's /metrics
/// every second into a temporary directory, and its HTTP API for the test to query.
public final class PrometheusServer: @unchecked Sendable {
    public static let binary = "/usr/bin/prometheus"
    /// Why Prometheus tests cannot run here, or nil when they can.
    public static var unavailable: String? {
        FileManager.default.isExecutableFile(atPath: binary) ? nil : "Prometheus not installed (apt-get install prometheus)"
    }

    public let port: Int
    public let directory: String
    private let watchdog: Spawned
    private var stopped = false

    /// Starts Prometheus scraping `targets` (127.0.0.1 ports serving /metrics) every second and
    /// waits until it is ready. Job `tusk`, so every series gets `job="tusk"` and its `instance`.
    public init(scraping targets: [Int]) throws {
        port = try freePort()
        directory = NSTemporaryDirectory() + "tusk-prometheus-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
              evaluation_interval: 1s
            scrape_configs:
              - job_name: tusk
                static_configs:
                  - targets: [\(targets.map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", "))]
            """
        try config.write(toFile: directory + "/prometheus.yml", atomically: true, encoding: .utf8)
        // A shell holds Prometheus and ends it with the test process (even one that crashed), or on
        // SIGTERM; Prometheus logs into the directory, where nothing has to drain a pipe.
        let script = """
            "$0" "$@" >"$LOG" 2>&1 &
            server=$!
            trap 'kill $server; wait $server; exit 0' TERM
            while kill -0 "$PARENT" 2>/dev/null && kill -0 $server 2>/dev/null; do sleep 0.2; done
            kill $server 2>/dev/null
            wait $server
            """
        watchdog = try Spawned(
            "/bin/sh",
            [
                "-c", script, Self.binary, "--config.file=\(directory)/prometheus.yml",
                "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)",
            ],
            environment: ["LOG": directory + "/prometheus.log", "PARENT": String(getpid())])
        watchdog.closeInput()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            if (try? HTTPRequest.get(port: port, path: "/-/ready"))?.status == 200 { return }
            if !isRunning { break }
            usleep(100_000)
        }
        let log = self.log
        stop()
        throw PrometheusError(message: "Prometheus did not become ready on port \(port): \(log)")
    }

    deinit { stop() }

    /// Prometheus' own log so far.
    public var log: String {
        (try? String(contentsOfFile: directory + "/prometheus.log", encoding: .utf8)) ?? ""
    }

    /// One series of an instant query's answer: its labels and its value as Prometheus wrote it
    /// ("NaN" and "+Inf" included).
    public struct Sample: Sendable {
        public let labels: [String: String]
        public let value: String
    }

    /// GET /api/v1/query: `expression` evaluated now; a vector's series or a scalar's one value.
    public func query(_ expression: String) throws -> [Sample] {
        let data = try api("/api/v1/query", ["query": expression])
        guard let result = data as? [String: Any], let type = result["resultType"] as? String else {
            throw PrometheusError(message: "query \(expression): unexpected answer \(data)")
        }
        switch type {
        case "vector":
            return (result["result"] as? [[String: Any]] ?? []).map { series in
                Sample(
                    labels: series["metric"] as? [String: String] ?? [:],
                    value: (series["value"] as? [Any])?.last as? String ?? "")
            }
        case "scalar", "string":
            return [Sample(labels: [:], value: (result["result"] as? [Any])?.last as? String ?? "")]
        default:
            throw PrometheusError(message: "query \(expression): a \(type), not an instant vector")
        }
    }

    /// GET /api/v1/label/NAME/values, of the series `match` selects when given (as Grafana's
    /// label_values(selector, label) asks it).
    public func labelValues(_ label: String, match: String? = nil) throws -> [String] {
        let data = try api("/api/v1/label/\(label)/values", match.map { ["match[]": $0] } ?? [:])
        return data as? [String] ?? []
    }

    /// Every metric name Prometheus holds.
    public func metricNames() throws -> Set<String> {
        Set(try labelValues("__name__"))
    }

    /// Ends Prometheus and removes its directory. Calling it again does nothing.
    public func stop() {
        guard !stopped else { return }
        stopped = true
        kill(watchdog.pid, SIGTERM)
        _ = watchdog.wait()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Whether the shell holding Prometheus is still there (it ends when Prometheus does); a
    /// zombie, not yet reaped, has ended.
    private var isRunning: Bool {
        let state = (try? String(contentsOfFile: "/proc/\(watchdog.pid)/stat", encoding: .utf8)) ?? ""
        guard let close = state.lastIndex(of: ")") else { return false }
        return !state[state.index(after: close)...].hasPrefix(" Z")
    }

    /// The `data` of a successful API answer; an error answer throws with Prometheus' own words.
    private func api(_ path: String, _ parameters: [String: String]) throws -> Any {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let query = parameters.sorted { $0.key < $1.key }.map { key, value in
            "\(key.addingPercentEncoding(withAllowedCharacters: allowed)!)=\(value.addingPercentEncoding(withAllowedCharacters: allowed)!)"
        }.joined(separator: "&")
        let response = try HTTPRequest.get(port: port, path: query.isEmpty ? path : "\(path)?\(query)")
        let object = try? JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        guard let object, object["status"] as? String == "success", let data = object["data"] else {
            throw PrometheusError(message: "GET \(path) \(parameters): \(response.status) \(response.body.prefix(500))")
        }
        return data
    }

    public struct PrometheusError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
