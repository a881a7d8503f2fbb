import Foundation

/// The test OTLP/HTTP receiver (Tests/Receivers/otlp_receiver.py): it decodes request bodies with
/// the official opentelemetry-proto Python package, never with Tusk's generated code.
public final class OTLPReceiver: @unchecked Sendable {
    public let port: Int
    /// The HTTPS port and the PEM certificate and key it serves, when started with TLS.
    public let tls: (port: Int, certificate: String, key: String)?
    private var child: Spawned?

    /// Starts a receiver on `port` (a free one by default).
    public init(port: Int? = nil) throws {
        self.port = try port ?? freePort()
        tls = nil
        try start()
    }

    /// A receiver that also serves HTTPS, with a fresh self-signed certificate for 127.0.0.1
    /// (`certificate` is the file a client must trust).
    public init(tlsIn directory: String) throws {
        port = try freePort()
        let certificate = directory + "/receiver-cert.pem", key = directory + "/receiver-key.pem"
        let openssl = try ChildProcess.run("/usr/bin/openssl", [
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
            "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key, "-out", certificate,
        ])
        guard openssl.status == 0 else { throw OTLPReceiverError(message: "openssl: \(openssl.errorOutput)") }
        tls = (try freePort(), certificate, key)
        try start()
    }

    deinit { stop() }

    public var endpoint: String { "http://127.0.0.1:\(port)" }
    public var secureEndpoint: String? { tls.map { "https://127.0.0.1:\($0.port)" } }

    public func start() throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Receivers/otlp_receiver.py").path
        var arguments = [script, "--host", "127.0.0.1", "--port", String(port), "--quiet"]
        if let tls { arguments += ["--tls-port", String(tls.port), "--tls-cert", tls.certificate, "--tls-key", tls.key] }
        let child = try Spawned(TestEnvironment.python, arguments)
        child.closeInput()
        self.child = child
        let deadline = Date().addingTimeInterval(15)
        while Date() < deadline {
            if (try? HTTPRequest.get(port: port, path: "/healthz"))?.status == 200 { return }
            usleep(50_000)
        }
        throw OTLPReceiverError(message: "the OTLP receiver did not start on port \(port)")
    }

    /// Kills the receiver (the backend "goes down").
    public func stop() {
        guard let child else { return }
        kill(child.pid, SIGKILL)
        _ = child.wait()
        self.child = nil
    }

    /// Received spans (flattened with their resource), waiting until at least `minimum` arrived.
    public func spans(minimum: Int = 0, timeout: Int = 20) throws -> [[String: Any]] {
        let response = try HTTPRequest.get(port: port, path: "/spans?min=\(minimum)&timeout=\(timeout)")
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return object?["spans"] as? [[String: Any]] ?? []
    }

    /// Received spans that satisfy `predicate`, waiting until at least `minimum` of them arrived.
    /// Other tests run in parallel and the agent sees them too, so a count over every span proves
    /// nothing: the wait is on the spans the caller is about.
    public func spans(minimum: Int, timeout: Int = 20, where predicate: ([String: Any]) -> Bool) throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while true {
            let matching = try spans().filter(predicate)
            if matching.count >= minimum || Date() >= deadline { return matching }
            usleep(100_000)
        }
    }

    /// Received spans of the processes `pids`, waiting until at least `minimum` arrived.
    public func spans(minimum: Int, timeout: Int = 20, pids: Set<Int>) throws -> [[String: Any]] {
        try spans(minimum: minimum, timeout: timeout) { pids.contains(($0["resource"] as? [String: Any])?["process.pid"] as? Int ?? -1) }
    }

    /// Every span received, once the span of `marker` (sent by the caller) is among them, without
    /// the marker's own: the agent exports spans in the order it built them, one request at a
    /// time, so nothing that ended before the marker was sent can arrive after it. Throws when
    /// the marker's span does not arrive within `timeout` seconds.
    public func spans(through marker: EndMarker, timeout: Int = 20) throws -> [[String: Any]] {
        let marks = { marker.marks(AgentProcess.Span(otlp: $0)) }
        let deadline = Date().addingTimeInterval(TimeInterval(timeout))
        while true {
            let all = try spans()
            if all.contains(where: marks) { return all.filter { !marks($0) } }
            if Date() >= deadline { throw OTLPReceiverError(message: "the end marker's span (\(marker.text)) did not arrive") }
            usleep(100_000)
        }
    }

    /// Every metric data point received, waiting until at least `minimum` arrived.
    public func metricPoints(minimum: Int = 0, timeout: Int = 20) throws -> [ReceivedMetricPoint] {
        let response = try HTTPRequest.get(port: port, path: "/metrics-points?min=\(minimum)&timeout=\(timeout)")
        guard response.status == 200 else { throw OTLPReceiverError(message: "GET /metrics-points: \(response.status) \(response.body)") }
        return try JSONDecoder().decode(MetricPoints.self, from: Data(response.body.utf8)).points
    }

    /// Metric data points, polled until `done` holds for them or `timeout` seconds pass; the last
    /// ones either way.
    public func metricPoints(timeout: TimeInterval = 20, until done: ([ReceivedMetricPoint]) -> Bool) throws -> [ReceivedMetricPoint] {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let points = try metricPoints()
            if done(points) || Date() >= deadline { return points }
            usleep(100_000)
        }
    }

    private struct MetricPoints: Decodable {
        let points: [ReceivedMetricPoint]
    }

    /// How many request bodies arrived (traces and metrics, decompressed), and how many hold the
    /// bytes of `text` anywhere.
    public func bodies(containing text: String) throws -> (bodies: Int, containing: Int) {
        let query = text.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? text
        let response = try HTTPRequest.get(port: port, path: "/bodies-containing?text=\(query)")
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return (object?["bodies"] as? Int ?? 0, object?["containing"] as? Int ?? 0)
    }

    /// The statuses the /v1/metrics requests got, in order.
    public func metricRequestStatuses() throws -> [Int] {
        let response = try HTTPRequest.get(port: port, path: "/metrics-points")
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return (object?["requests"] as? [[String: Any]] ?? []).compactMap { $0["status"] as? Int }
    }

    /// `tusk run` arguments that export to this receiver, with a short schedule delay.
    public var agentArguments: [String] { ["--otlp-endpoint", endpoint, "--schedule-delay", "100"] }

    /// Every request received (headers, status answered, span count).
    public func requests() throws -> [[String: Any]] {
        let response = try HTTPRequest.get(port: port, path: "/spans")
        let object = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any]
        return object?["requests"] as? [[String: Any]] ?? []
    }

    /// Fault injection, e.g. `{"fail_next": 3, "status": 503}` or `{"reject_all_status": 400}`.
    public func control(_ json: String) throws {
        let response = try HTTPRequest.postJSON(port: port, path: "/control", json: json)
        guard response.status == 200 else { throw OTLPReceiverError(message: "control \(json): \(response.status) \(response.body)") }
    }

    public struct OTLPReceiverError: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }
}
