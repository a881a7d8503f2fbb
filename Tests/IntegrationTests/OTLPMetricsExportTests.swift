import Foundation
import Testing
import TestSupport

/// The real agent exporting request metrics over OTLP/HTTP to the test receiver, which decodes
/// them with the official opentelemetry-proto package, for real queries against a real
/// PostgreSQL. The spans of the same requests are the reference: a metric series must count
/// exactly the requests whose spans carry its attributes, and add up their durations and rows.
///
/// Every agent here traces the test's own processes only (`--pid`, or `--cgroup` with a
/// PostgreSQL of the test's own), so what other suites run meanwhile cannot add to a count.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct OTLPMetricsExportTests {
    static let duration = "db.client.operation.duration"
    static let rows = "db.client.response.returned_rows"
    static let serverDuration = "tusk.db.server.operation.duration"
    static let serverRows = "tusk.db.server.response.returned_rows"
    static let durationBounds: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]
    static let rowBounds: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]
    static let cumulative = "AGGREGATION_TEMPORALITY_CUMULATIVE"
    static let delta = "AGGREGATION_TEMPORALITY_DELTA"

    /// The span attributes a series is broken down by (OperationSeriesKey), besides its resource.
    static let seriesAttributes = [
        "db.system.name", "db.namespace", "db.operation.name", "db.collection.name", "db.query.summary",
        "db.response.status_code", "error.type", "server.address", "server.port",
    ]

    /// One series: the process (service.name and process.pid of the resource), CLIENT or SERVER,
    /// and the values of `seriesAttributes` that are present.
    struct SeriesKey: Hashable, CustomStringConvertible {
        var server: Bool
        var service: String
        var pid: String
        var attributes: [String: String]

        init(span: [String: Any]) {
            let resource = span["resource"] as? [String: Any] ?? [:]
            let attributes = span["attributes"] as? [String: Any] ?? [:]
            server = span["kind"] as? Int == 2  // SPAN_KIND_SERVER
            service = resource["service.name"].map { "\($0)" } ?? ""
            pid = resource["process.pid"].map { "\($0)" } ?? ""
            self.attributes = [:]
            for key in OTLPMetricsExportTests.seriesAttributes {
                if let value = attributes[key] { self.attributes[key] = "\(value)" }
            }
        }

        init(point: ReceivedMetricPoint) {
            server = point.name.hasPrefix("tusk.db.server.")
            service = point.resource("service.name") ?? ""
            pid = point.resource("process.pid") ?? ""
            attributes = point.attributes.mapValues(\.description)
        }

        var description: String {
            "\(server ? "server" : "client") \(service)[\(pid)] " + attributes.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
    }

    /// What the spans of one series add up to.
    struct Tally: CustomStringConvertible {
        /// Each span's end − start, in seconds.
        var durations: [Double] = []
        /// db.response.returned_rows of the spans that have it.
        var returnedRows: [Double] = []
        /// When the first of them ended (Unix ns).
        var firstEnd = UInt64.max

        var count: Int { durations.count }
        var seconds: Double { durations.reduce(0, +) }
        var withRows: Int { returnedRows.count }
        var rows: Int { Int(returnedRows.reduce(0, +)) }

        var description: String { "\(count) spans, \(seconds) s, \(rows) rows in \(withRows)" }
    }

    /// How many of `values` each bucket of `bounds` holds, as OTLP counts them: bucket i holds
    /// (bounds[i-1], bounds[i]], the last one everything above the last bound.
    func buckets(_ values: [Double], _ bounds: [Double]) -> [UInt64] {
        var counts = [UInt64](repeating: 0, count: bounds.count + 1)
        for value in values { counts[bounds.firstIndex { value <= $0 } ?? bounds.count] += 1 }
        return counts
    }

    func tally(_ spans: [[String: Any]]) -> [SeriesKey: Tally] {
        var tallies: [SeriesKey: Tally] = [:]
        for span in spans {
            let start = (span["start_time_unix_nano"] as? NSNumber)?.uint64Value ?? 0
            let end = (span["end_time_unix_nano"] as? NSNumber)?.uint64Value ?? 0
            let key = SeriesKey(span: span)
            tallies[key, default: Tally()].durations.append(Double(end &- start) / 1e9)
            tallies[key, default: Tally()].firstEnd = min(tallies[key, default: Tally()].firstEnd, end)
            if let rows = (span["attributes"] as? [String: Any])?["db.response.returned_rows"] as? Int {
                tallies[key, default: Tally()].returnedRows.append(Double(rows))
            }
        }
        return tallies
    }

    /// The newest point of each series of metric `name` (cumulative points: the totals so far).
    /// Two points of one series in one request (two resources alike) are recorded as an issue.
    func latest(_ points: [ReceivedMetricPoint], _ name: String) -> [SeriesKey: ReceivedMetricPoint] {
        var newest: [SeriesKey: ReceivedMetricPoint] = [:]
        for point in points where point.name == name {
            let key = SeriesKey(point: point)
            if let known = newest[key] {
                if known.requestIndex == point.requestIndex { Issue.record("\(name): two points of \(key) in one request") }
                if known.requestIndex > point.requestIndex { continue }
            }
            newest[key] = point
        }
        return newest
    }

    /// Every delta point of each series of metric `name`, oldest first.
    func history(_ points: [ReceivedMetricPoint], _ name: String) -> [SeriesKey: [ReceivedMetricPoint]] {
        Dictionary(grouping: points.filter { $0.name == name }, by: SeriesKey.init(point:))
            .mapValues { $0.sorted { ($0.requestIndex, $0.startTimeUnixNano) < ($1.requestIndex, $1.startTimeUnixNano) } }
    }


    /// psql held until `run(_:_:)`: its pid is known before the agent starts (`--pid`).
    func psql(_ postgres: PostgresSandbox) throws -> InteractiveProcess {
        try InteractiveProcess.heldUntilGo(postgres.binaries + "/psql", ["-X", "-q", "-o", "/dev/null"] + postgres.connection())
    }

    /// Lets `psql` go with `statements` as its input; it has exited 0 when this returns.
    func run(_ psql: InteractiveProcess, _ statements: String) throws {
        psql.send("go")
        psql.send(statements)
        psql.closeInput()
        let status = psql.wait()
        try #require(status == 0, "psql exited \(status): \(psql.errorOutput)")
    }

    /// The statements of the application: reads of two tables (one repeated, one returning many
    /// rows), writes, an INSERT that succeeds and then fails on its key (one text, two series), a
    /// missing table (42P01) twice. psql stays alive past its last statement: the agent reads a
    /// process's OTEL_SERVICE_NAME from /proc while it still exists.
    static let workload = """
        CREATE TABLE metrics_orders (id integer PRIMARY KEY, qty integer NOT NULL);
        CREATE TABLE metrics_customers (id integer PRIMARY KEY, name text NOT NULL);
        INSERT INTO metrics_orders SELECT n, n FROM generate_series(1, 300) AS n;
        INSERT INTO metrics_customers VALUES (1, 'a'), (2, 'b');
        SELECT * FROM metrics_orders WHERE id = 1;
        SELECT * FROM metrics_orders WHERE id = 1;
        SELECT * FROM metrics_orders WHERE id = 1;
        SELECT * FROM metrics_orders;
        SELECT name FROM metrics_customers ORDER BY id;
        SELECT count(*) FROM metrics_orders o JOIN metrics_customers c ON c.id = o.id;
        UPDATE metrics_orders SET qty = qty + 1 WHERE id <= 10;
        INSERT INTO metrics_customers VALUES (3, 'c');
        INSERT INTO metrics_customers VALUES (3, 'c');
        SELECT * FROM metrics_missing;
        SELECT * FROM metrics_missing;
        SELECT pg_sleep(0.02);
        \\! sleep 1

        """

    @Test func countsAndSumsAgreeWithTheSpansOfTheSameRequests() throws {
        let application = "tusk-metrics-\(getpid())"
        let cgroup = try TestCgroup("otlp-metrics")
        defer { cgroup.remove() }
        let postgres = try PostgresSandbox(in: cgroup)
        defer { postgres.stop() }
        let receiver = try OTLPReceiver()
        let agent = try AgentProcess(
            arguments: receiver.agentArguments + ["--side", "both", "--cgroup", cgroup.path, "--metric-export-interval", "500"])
        defer { agent.stop() }

        let psql = try cgroup.run(environment: ["OTEL_SERVICE_NAME": application], postgres.binaries + "/psql",
            ["-X", "-q", "-o", "/dev/null"] + postgres.connection(), input: Self.workload)
        try #require(psql.errorOutput.contains("metrics_missing") && psql.errorOutput.contains("duplicate key"), "\(psql.errorOutput)")
        try cgroup.run(environment: ["OTEL_SERVICE_NAME": application], postgres.binaries + "/pgbench", [
            "-n", "-S", "-M", "prepared", "-T", "2", "-R", "100", "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "tusk", "tusk",
        ])
        let marker = try EndMarker(postgres, cgroup: cgroup.path)
        try marker.send()
        // the marker's CLIENT and SERVER spans, and with them every span before; the marker's
        // requests are counted in the metrics too, so they stay among the spans compared
        _ = try receiver.spans(through: marker)
        let markerSpans = try receiver.spans(minimum: 2) { marker.marks(AgentProcess.Span(otlp: $0)) }
        try #require(markerSpans.count == 2, "the marker's spans: \(markerSpans)")
        let spans = try receiver.spans()
        let expected = tally(spans)
        let client = expected.filter { !$0.key.server }, server = expected.filter { $0.key.server }

        // the workload is what the test thinks it is
        let mine = client.filter { $0.key.service == application }
        #expect(Set(mine.keys.compactMap { $0.attributes["error.type"] }) == ["42P01", "23505"])
        #expect(Set(mine.keys.compactMap { $0.attributes["db.collection.name"] }).isSuperset(of: ["metrics_orders", "metrics_customers", "pgbench_accounts"]))
        let pgbench = mine.filter { $0.key.attributes["db.collection.name"] == "pgbench_accounts" }.values.map(\.count).reduce(0, +)
        #expect(pgbench >= 100, "pgbench -T 2 -R 100 made \(pgbench) SELECTs")
        #expect(!server.isEmpty && server.values.map(\.count).reduce(0, +) >= pgbench)

        // cumulative points are sent every interval: wait for the export that has them all
        let wanted = expected.mapValues { UInt64($0.count) }
        let points = try receiver.metricPoints(timeout: 15) { points in
            let counts = latest(points, Self.duration).merging(latest(points, Self.serverDuration)) { first, _ in first }
            return counts.mapValues { $0.count ?? 0 } == wanted
        }

        for point in points {
            #expect(point.type == "histogram", "\(point.name): \(point.type)")
            #expect(point.temporality == Self.cumulative, "\(point.name): \(point.temporality ?? "none")")
            #expect(point.scopeName == "tusk")
            #expect(point.startTimeUnixNano > 1_700_000_000_000_000_000 && point.timeUnixNano >= point.startTimeUnixNano)
            let isRows = point.name.hasSuffix("returned_rows")
            #expect(point.unit == (isRows ? "{row}" : "s"), "\(point.name) unit \(point.unit)")
            let bounds = isRows ? Self.rowBounds : Self.durationBounds
            #expect(point.explicitBounds == bounds, "\(point.name) bounds \(point.explicitBounds ?? [])")
            #expect(point.bucketCounts?.count == bounds.count + 1)
            #expect(point.bucketCounts?.reduce(0, +) == point.count, "\(point.name) buckets \(point.bucketCounts ?? []) count \(point.count ?? 0)")
            #expect(Set(point.attributes.keys).isSubset(of: Self.seriesAttributes), "\(point.name) \(point.attributes.keys.sorted())")
            #expect(point.attribute("db.system.name") == "postgresql")
        }
        #expect(Set(points.map(\.name)) == [Self.duration, Self.rows, Self.serverDuration, Self.serverRows])

        for (name, tallies) in [(Self.duration, client), (Self.serverDuration, server)] {
            let series = latest(points, name)
            let missing = Set(tallies.keys).subtracting(series.keys), extra = Set(series.keys).subtracting(tallies.keys)
            #expect(missing.isEmpty, "\(name): no series for spans \(missing.map { "\($0): \(tallies[$0]!)" })")
            #expect(extra.isEmpty, "\(name): series without spans \(extra.map { "\($0): \(series[$0]!.count ?? 0)" })")
            // a cumulative point covers (start, time]: the series' first request ended inside it
            var late: [SeriesKey: UInt64] = [:]
            for (key, tally) in tallies {
                guard let point = series[key] else { continue }
                #expect(point.count == UInt64(tally.count), "\(name) \(key): count \(point.count ?? 0), \(tally)")
                let sum = point.sum ?? -1
                #expect(abs(sum - tally.seconds) <= 0.01 * tally.seconds, "\(name) \(key): sum \(sum) s, \(tally)")
                // the same nanoseconds on both sides: each request lands in the bucket its span's duration names
                #expect(point.bucketCounts == buckets(tally.durations, Self.durationBounds), "\(name) \(key): buckets \(point.bucketCounts ?? []), durations \(tally.durations)")
                #expect(point.min == tally.durations.min() && point.max == tally.durations.max(),
                    "\(name) \(key): min \(point.min ?? -1) max \(point.max ?? -1), durations \(tally.durations)")
                if point.startTimeUnixNano > tally.firstEnd { late[key] = point.startTimeUnixNano - tally.firstEnd }
            }
            let startLate = late.count
            #expect(startLate == 0, "\(name): \(startLate) of \(series.count) series start after their first request ended, by up to \(Double(late.values.max() ?? 0) / 1e6) ms, e.g. \(late.keys.first.map(String.init(describing:)) ?? "")")
        }
        for (name, tallies) in [(Self.rows, client), (Self.serverRows, server)] {
            let series = latest(points, name)
            let withRows = tallies.filter { $0.value.withRows > 0 }
            #expect(Set(series.keys) == Set(withRows.keys), "\(name): series \(series.keys) for spans with rows \(withRows.keys)")
            for (key, tally) in withRows {
                guard let point = series[key] else { continue }
                #expect(point.count == UInt64(tally.withRows), "\(name) \(key): count \(point.count ?? 0), \(tally)")
                #expect(point.sum == Double(tally.rows), "\(name) \(key): sum \(point.sum ?? -1), \(tally)")
                #expect(point.bucketCounts == buckets(tally.returnedRows, Self.rowBounds), "\(name) \(key): buckets \(point.bucketCounts ?? []), rows \(tally.returnedRows)")
                #expect(point.min == tally.returnedRows.min() && point.max == tally.returnedRows.max(), "\(name) \(key): min/max \(point.min ?? -1)/\(point.max ?? -1)")
            }
        }
        #expect(mine.contains { $0.key.attributes["db.collection.name"] == "metrics_orders" && $0.value.rows == 300 + 3 })
        print("OTLPMetricsExportTests: \(client.count) client series (\(client.values.map(\.count).reduce(0, +)) spans), \(server.count) server series (\(server.values.map(\.count).reduce(0, +)) spans), \(points.count) points received")
        #expect(agent.stop() == 0)
    }

    @Test func metricsCountEveryRequestTheSamplerDrops() throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        let table = "metrics_unsampled_\(getpid())"
        let repeats = 20
        let psql = try psql(postgres)
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(
            arguments: receiver.agentArguments + ["--metric-export-interval", "300", "--pid", String(psql.pid)] + marker.agentArguments,
            environment: ["OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0"])
        defer { agent.stop() }
        try run(psql, "CREATE TABLE \(table) (id integer);\n"
            + String(repeating: "SELECT 1 FROM \(table);\n", count: repeats)
            + "DROP TABLE \(table);\n")
        try marker.send()

        // the marker is counted after every request before it: the export that has it has them
        let points = try receiver.metricPoints { $0.contains { $0.resource("process.pid") == String(marker.pid) } }
        try #require(points.contains { $0.resource("process.pid") == String(marker.pid) }, "the marker's point did not arrive: \(points.count) points")
        let series = latest(points.filter { $0.resource("process.pid") == String(psql.pid) }, Self.duration)
        let counts = Dictionary(series.map { ($0.key.attributes["db.query.summary"] ?? "", $0.value.count ?? 0) }) { $0 + $1 }
        #expect(counts == ["SELECT \(table)": UInt64(repeats), "CREATE TABLE \(table)": 1, "DROP TABLE \(table)": 1], "\(counts)")
        #expect(try receiver.spans().isEmpty)
        #expect(try receiver.requests().isEmpty, "no trace request: the sampler kept nothing")
        #expect(try agent.metric("tusk_spans_unsampled_total", settlesAt: Double(repeats + 3)) == Double(repeats + 3))
        #expect(agent.stop() == 0)
    }

    /// --no-request-metrics: spans as usual, no metric request, no request histogram on /metrics.
    @Test func noRequestMetricsMakesNone() throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        let psql = try psql(postgres)
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(
            arguments: receiver.agentArguments
                + ["--metric-export-interval", "200", "--no-request-metrics", "--pid", String(psql.pid)] + marker.agentArguments)
        defer { agent.stop() }
        try run(psql, String(repeating: "SELECT 1 AS unmeasured;\n", count: 5))
        try marker.send()
        let spans = try receiver.spans(through: marker).filter { SeriesKey(span: $0).pid == String(psql.pid) }
        #expect(spans.count == 5)
        let page = try HTTPRequest.get(port: agent.listenPort, path: "/metrics")
        #expect(page.body.contains("tusk_spans_emitted_total"))
        #expect(!page.body.contains("db_client_operation_duration_seconds"))
        usleep(600_000)  // three export intervals
        #expect(try receiver.metricPoints().isEmpty)
        #expect(try receiver.metricRequestStatuses().isEmpty)
        #expect(agent.stop() == 0)
    }

    @Test func deltaPointsAddUpToTheRequestsAndDoNotOverlap() throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        // pgbench spreads its SELECTs over 2 s, several export intervals
        let pgbench = try InteractiveProcess.heldUntilGo(postgres.binaries + "/pgbench", [
            "-n", "-S", "-M", "prepared", "-T", "2", "-R", "50", "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "tusk", "tusk",
        ])
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(
            arguments: receiver.agentArguments + ["--metric-export-interval", "300", "--pid", String(pgbench.pid)] + marker.agentArguments,
            environment: ["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta"])
        defer { agent.stop() }
        pgbench.send("go")
        pgbench.closeInput()
        try #require(pgbench.wait() == 0, "pgbench: \(pgbench.errorOutput)")
        var output: [String] = []
        while let line = try? pgbench.nextLine(timeout: 1) { output.append(line) }
        let processed = output.first { $0.hasPrefix("number of transactions actually processed:") }
            .flatMap { Int($0.split(separator: ":")[1].split(separator: "/")[0].trimmingCharacters(in: .whitespaces)) }
        let transactions = try #require(processed, "pgbench printed \(output)")
        try #require(transactions >= 50, "pgbench -T 2 -R 50 processed \(transactions)")
        try marker.send()
        let spans = try receiver.spans(through: marker).filter { SeriesKey(span: $0).pid == String(pgbench.pid) }
        let expected = tally(spans)
        try #require(!expected.isEmpty)

        var sums: [SeriesKey: UInt64] = [:]
        let points = try receiver.metricPoints(timeout: 15) { points in
            sums = history(points.filter { $0.resource("process.pid") == String(pgbench.pid) }, Self.duration)
                .mapValues { $0.compactMap(\.count).reduce(0, +) }
            return sums == expected.mapValues { UInt64($0.count) }
        }.filter { $0.resource("process.pid") == String(pgbench.pid) }

        #expect(!points.isEmpty && points.allSatisfy { $0.temporality == Self.delta }, "\(Set(points.map { $0.temporality ?? "none" }))")
        for (key, tally) in expected {
            #expect(sums[key] == UInt64(tally.count), "\(key): delta counts add up to \(sums[key] ?? 0), \(tally)")
        }
        #expect(Set(sums.keys) == Set(expected.keys), "series \(sums.keys) for spans \(expected.keys)")
        let selects = try #require(expected.first { $0.key.attributes["db.collection.name"] == "pgbench_accounts" })
        #expect(selects.value.count == transactions, "pgbench processed \(transactions), spans \(selects.value)")
        for name in [Self.duration, Self.rows] {
            // a delta point covers (start, time]: the first one, the series' first request too
            var late: [SeriesKey: UInt64] = [:]
            let histories = history(points, name)
            for (key, series) in histories {
                if let first = series.first, let tally = expected[key], first.startTimeUnixNano > tally.firstEnd {
                    late[key] = first.startTimeUnixNano - tally.firstEnd
                }
                if key == selects.key && name == Self.duration {
                    #expect(series.count >= 3, "\(name) \(key): \(series.count) delta points over 2 s with a 300 ms interval")
                }
                #expect(series.allSatisfy { ($0.count ?? 0) > 0 && $0.startTimeUnixNano < $0.timeUnixNano }, "\(name) \(key): empty or backward points")
                let overlaps = zip(series, series.dropFirst()).filter { $0.1.startTimeUnixNano < $0.0.timeUnixNano }
                #expect(overlaps.isEmpty, "\(name) \(key): \(overlaps.count) of \(series.count - 1) consecutive points overlap, first \(overlaps.first.map { "[\($0.0.startTimeUnixNano), \($0.0.timeUnixNano)] and [\($0.1.startTimeUnixNano), \($0.1.timeUnixNano)]" } ?? "")")
            }
            let startLate = late.count
            #expect(startLate == 0, "\(name): \(startLate) of \(histories.count) series' first delta starts after their first request ended, by up to \(Double(late.values.max() ?? 0) / 1e6) ms")
        }
        let rowSums = history(points, Self.rows).mapValues { $0.compactMap(\.sum).reduce(0, +) }
        #expect(rowSums[selects.key] == Double(selects.value.rows) && selects.value.withRows == transactions, "rows \(rowSums[selects.key] ?? -1), \(selects.value)")
        // nothing new, nothing sent: the agent's count of exported points settles at the receiver's
        let received = try receiver.metricPoints().count
        #expect(try agent.metric("tusk_metric_points_exported_total", settlesAt: Double(received)) == Double(received))
        #expect(agent.stop() == 0)
    }

    /// Delta exports that time out while the backend answers 503 are taken back: once it is up
    /// again, the delta counts still add up to every request, each counted once.
    @Test func aMetricsOutageLosesNoDeltaCounts() throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        try receiver.control(#"{"metrics_unavailable": 503}"#)
        let repeats = 30
        let psql = try psql(postgres)
        let agent = try AgentProcess(
            arguments: receiver.agentArguments + ["--metric-export-interval", "300", "--pid", String(psql.pid)],
            environment: ["OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE": "delta", "OTEL_METRIC_EXPORT_TIMEOUT": "400"])
        defer { agent.stop() }
        try run(psql, String(repeating: "SELECT 1 AS outage;\n", count: repeats))
        // several exports give up while the backend is down
        let deadline = Date().addingTimeInterval(15)
        while try agent.metric("tusk_metric_points_dropped_total") < 2 && Date() < deadline { usleep(100_000) }
        try #require(try agent.metric("tusk_metric_points_dropped_total") >= 2, "no export gave up while the backend was down")
        #expect(try receiver.metricPoints().isEmpty)
        try receiver.control(#"{"metrics_unavailable": null}"#)

        var counted: UInt64 = 0
        let points = try receiver.metricPoints(timeout: 15) { points in
            counted = points.filter { $0.name == Self.duration && $0.resource("process.pid") == String(psql.pid) }
                .compactMap(\.count).reduce(0, +)
            return counted >= UInt64(repeats)
        }
        #expect(points.allSatisfy { $0.temporality == Self.delta })
        #expect(counted == UInt64(repeats), "delta counts after the outage add up to \(counted) of \(repeats) requests")
        #expect(try receiver.metricRequestStatuses().contains(503))
        // nothing is sent twice: the count stays put over more intervals
        usleep(1_000_000)
        let later = try receiver.metricPoints().filter { $0.name == Self.duration && $0.resource("process.pid") == String(psql.pid) }
        #expect(later.compactMap(\.count).reduce(0, +) == UInt64(repeats))
        #expect(agent.stop() == 0)
    }

    @Test func theMetricsEndpointVariableIsUsedAsIsAndApartFromTraces() throws {
        let postgres = try PostgresSandbox.shared.get()
        let receiver = try OTLPReceiver()
        // nothing listens there; --otlp-timeout bounds each attempt, so the first retry comes soon
        let nowhere = "http://127.0.0.1:\(try freePort())/v1/traces"
        let repeats = 5
        let psql = try psql(postgres)
        let agent = try AgentProcess(
            arguments: ["--pid", String(psql.pid), "--schedule-delay", "100", "--export-timeout", "500", "--otlp-timeout", "1000"],
            environment: [
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": nowhere,
                // a path of its own the agent must not extend: /v1/metrics/v1/metrics would be a 404
                "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT": receiver.endpoint + "/v1/metrics",
                "OTEL_METRIC_EXPORT_INTERVAL": "300",
            ])
        defer { agent.stop() }
        try run(psql, String(repeating: "SELECT 1 AS metrics_endpoint;\n", count: repeats))

        let points = try receiver.metricPoints(timeout: 15) { points in
            latest(points, Self.duration).values.contains { $0.count == UInt64(repeats) }
        }
        let series = latest(points.filter { $0.resource("process.pid") == String(psql.pid) }, Self.duration)
        #expect(series.values.map { $0.count ?? 0 } == [UInt64(repeats)], "\(series)")
        #expect(try receiver.spans().isEmpty && receiver.requests().isEmpty, "spans came to the metrics endpoint's receiver")
        // the spans went to their own endpoint, where nothing listens: retried there
        let deadline = Date().addingTimeInterval(10)
        var retries = try agent.metric("tusk_export_retries_total")
        while retries < 1 && Date() < deadline {
            usleep(100_000)
            retries = try agent.metric("tusk_export_retries_total")
        }
        #expect(retries >= 1, "no attempt to export the spans to \(nowhere)")
        #expect(agent.stop() == 0)
    }
}
