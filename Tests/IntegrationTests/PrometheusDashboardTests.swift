import Foundation
import Testing
import TestSupport

/// The Grafana dashboard (deploy/grafana/tusk-postgresql.json) against real parts: a real
/// Prometheus scrapes a real agent every second while psql and pgbench run against a real
/// PostgreSQL. Every expression of every panel, its variables replaced as Grafana replaces them,
/// must return data and name only metrics the agent serves; the agent's /metrics page must parse
/// with the official Prometheus client.
///
/// The PostgreSQL, its clients and so the agent's scope (--cgroup) are the test's own: what other
/// suites run meanwhile cannot add query summaries to the services here.
@Suite(.enabled(if: TestEnvironment.canRunWithPrometheus), .serialized)
struct PrometheusDashboardTests {
    /// Distinct query summaries per service the agent breaks down (--max-query-summaries): the
    /// workload stays under it, the flood goes past it into the overflow series.
    static let summaryLimit = 30
    static let dashboardFile = TestEnvironment.packageRoot.appendingPathComponent("deploy/grafana/tusk-postgresql.json")
    /// Grafana's own variables as it sets them for a query of the last 5 minutes with the
    /// data source's default scrape interval (15 s): $__rate_interval is then 1m.
    static let builtIns = ["__rate_interval": "1m", "__interval": "15s", "__range": "300s", "__range_s": "300"]

    /// The statements of the application: rows returned, rows written, a slow one, two failures
    /// (42P01, 23505) and a warning (01000), so that every panel has something to show. Each
    /// client stays alive a moment after its last statement: the agent reads a process's
    /// OTEL_SERVICE_NAME from /proc while it still exists.
    static let workload = """
        CREATE TABLE dashboard_orders (id integer PRIMARY KEY, qty integer NOT NULL);
        INSERT INTO dashboard_orders SELECT n, n FROM generate_series(1, 500) AS n;
        SELECT * FROM dashboard_orders WHERE id = 1;
        SELECT * FROM dashboard_orders;
        UPDATE dashboard_orders SET qty = qty + 1 WHERE id <= 10;
        SELECT pg_sleep(0.02);
        SELECT * FROM dashboard_missing;
        INSERT INTO dashboard_orders VALUES (1, 0);
        DO $$ BEGIN RAISE WARNING 'dashboard warning'; END $$;
        DELETE FROM dashboard_orders WHERE id > 250;
        DROP TABLE dashboard_orders;
        \\! sleep 1

        """

    @Test func everyPanelShowsDataFromTheAgent() throws {
        let dashboard = try GrafanaDashboard(contentsOf: Self.dashboardFile)
        try #require(!dashboard.queries.isEmpty)
        let application = "tusk-dashboard-\(getpid())", flood = "tusk-dashboard-flood-\(getpid())"

        let cgroup = try TestCgroup("dashboard")
        defer { cgroup.remove() }
        let postgres = try PostgresSandbox(in: cgroup)
        defer { postgres.stop() }
        let agent = try AgentProcess(arguments: [
            "--side", "both", "--cgroup", cgroup.path, "--max-query-summaries", String(Self.summaryLimit),
        ])
        defer { agent.stop() }
        let prometheus = try PrometheusServer(scraping: [agent.listenPort])
        defer { prometheus.stop() }

        // The application: psql and pgbench (prepared statements) under its service name.
        let psql = try cgroup.run(environment: ["OTEL_SERVICE_NAME": application], postgres.binaries + "/psql",
            ["-X", "-q", "-o", "/dev/null"] + postgres.connection(), input: Self.workload)
        try #require(psql.errorOutput.contains("dashboard_missing"), "the failing statements did not fail: \(psql.errorOutput)")
        try cgroup.run(environment: ["OTEL_SERVICE_NAME": application], postgres.binaries + "/pgbench", [
            "-n", "-S", "-M", "prepared", "-c", "2", "-j", "2", "-T", "2", "-R", "100",
            "-h", "127.0.0.1", "-p", String(postgres.port), "-U", "tusk", "tusk",
        ])
        // Another service with more distinct query summaries than the limit: the last ones
        // land in its overflow series.
        let floodStatements = (0..<(Self.summaryLimit + 10)).map { "SELECT * FROM dashboard_flood_\($0);\n" }.joined() + "\\! sleep 1\n"
        try cgroup.run(environment: ["OTEL_SERVICE_NAME": flood], postgres.binaries + "/psql",
            ["-X", "-q", "-o", "/dev/null"] + postgres.connection(), input: floodStatements)

        // The variables as Grafana fills them: label_values(…) through the same API call.
        let serviceVariable = try #require(dashboard.variables["service"]?.labelValues)
        var services: [String] = []
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            services = try prometheus.labelValues(serviceVariable.label, match: serviceVariable.selector)
            if Set([application, flood]).isSubset(of: services) && services.count > 2 { break }
            Thread.sleep(forTimeInterval: 0.5)
        }
        if !(Set([application, flood]).isSubset(of: services) && services.count > 2) {
            let state = try scrapeState(prometheus)
            Issue.record("the service variable lists \(services): the application's, the flood's and the backends' expected; \(state)")
            return
        }
        let databaseVariable = try #require(dashboard.variables["database"]?.labelValues)
        let databases = try prometheus.labelValues(
            databaseVariable.label,
            match: try dashboard.interpolate(databaseVariable.selector, ["service": .all], builtIns: Self.builtIns))
        #expect(databases == ["tusk"])

        // Every expression, once with every variable on "All" and once with values ticked.
        let choices: [(name: String, selections: [String: GrafanaDashboard.Selection])] = [
            ("All", ["service": .all, "database": .all]),
            ("selected", ["service": .values(services), "database": .values(["tusk"])]),
        ]
        var pending: [(query: GrafanaDashboard.Query, choice: String, expression: String)] = []
        for query in dashboard.queries {
            for choice in choices {
                pending.append((query, choice.name, try dashboard.interpolate(query.expression, choice.selections, builtIns: Self.builtIns)))
            }
        }
        let everything = pending
        var answers: [String: [PrometheusServer.Sample]] = [:]
        var failures: [String: String] = [:]
        let dataDeadline = Date().addingTimeInterval(60)
        while !pending.isEmpty {
            pending = pending.filter { entry in
                do {
                    let samples = try prometheus.query(entry.expression)
                    answers[entry.expression] = samples
                    failures[entry.expression] = nil
                    return samples.isEmpty
                } catch {
                    failures[entry.expression] = "\(error)"
                    return true
                }
            }
            if pending.isEmpty || Date() >= dataDeadline { break }
            Thread.sleep(forTimeInterval: 1)
        }
        for entry in pending {
            Issue.record("\(entry.query) (\(entry.choice)) has no data: \(failures[entry.expression] ?? "empty result") — \(entry.expression)")
        }

        // Every metric an expression names is one the agent serves, as Prometheus stored it and
        // as the page lists it: an expression over a metric that does not exist fails even where
        // `or` would have filled its panel.
        let page = try HTTPRequest.get(port: agent.listenPort, path: "/metrics")
        try #require(page.status == 200)
        let families = try parse(page.body)
        let onPage = Set(families.values.flatMap { $0.samples.map(\.name) })
        let stored = Set(try prometheus.labelValues("__name__", match: #"{job="tusk"}"#))
        let expressions = Array(Set(everything.map(\.expression))).sorted()
        let named = try metricNames(expressions)
        for entry in everything {
            let names = named[entry.expression] ?? []
            #expect(!names.isEmpty, "\(entry.query) names no metric: \(entry.expression)")
            #expect(names.subtracting(stored).isEmpty, "\(entry.query) names \(names.subtracting(stored).sorted()), which Prometheus does not hold")
            #expect(names.subtracting(onPage).isEmpty, "\(entry.query) names \(names.subtracting(onPage).sorted()), which the agent does not serve")
        }

        // What the panels rely on, as the page has it.
        checkContract(families, application: application, flood: flood)

        print("PrometheusDashboardTests: \(dashboard.queries.count) queries × \(choices.count) variable choices")
        for entry in everything {
            let count = answers[entry.expression]?.count ?? 0
            print("  \(count > 0 ? "data " : "EMPTY") \(String(repeating: " ", count: max(0, 3 - String(count).count)))\(count) series  \(entry.query) (\(entry.choice))")
        }
        #expect(agent.stop() == 0)
    }


    /// Prometheus' view of its scrape target, for a failure message.
    func scrapeState(_ prometheus: PrometheusServer) throws -> String {
        let up = try prometheus.query(#"up{job="tusk"}"#).map(\.value)
        return "up=\(up); Prometheus log: \(prometheus.log.suffix(2000))"
    }

    struct Family {
        let type: String
        let samples: [(name: String, labels: [String: String])]
    }

    /// The page as prometheus_client's text parser reads it (Tests/Prometheus/exposition.py); a
    /// page it refuses fails the test with the parser's words.
    func parse(_ page: String) throws -> [String: Family] {
        let script = TestEnvironment.packageRoot.appendingPathComponent("Tests/Prometheus/exposition.py").path
        let parsed = try ChildProcess.run(TestEnvironment.python, [script], input: page)
        try #require(parsed.status == 0, "prometheus_client refuses the agent's /metrics: \(parsed.errorOutput)")
        let object = try JSONSerialization.jsonObject(with: Data(parsed.output.utf8)) as? [String: Any]
        let families = object?["families"] as? [String: [String: Any]] ?? [:]
        return families.mapValues { family in
            Family(
                type: family["type"] as? String ?? "",
                samples: (family["samples"] as? [[String: Any]] ?? []).map {
                    ($0["name"] as? String ?? "", $0["labels"] as? [String: String] ?? [:])
                })
        }
    }

    /// The metrics each expression selects, read by the PromQL parser deploy/checks/dashboard.py uses.
    func metricNames(_ expressions: [String]) throws -> [String: Set<String>] {
        let script = TestEnvironment.packageRoot.appendingPathComponent("deploy/checks/dashboard.py").path
        let run = try ChildProcess.run(TestEnvironment.python, [script, "metrics"], input: expressions.joined(separator: "\n") + "\n")
        try #require(run.status == 0, "\(run.errorOutput)")
        let lines = run.output.split(separator: "\n")
        try #require(lines.count == expressions.count, "\(run.output)")
        var names: [String: Set<String>] = [:]
        for (expression, line) in zip(expressions, lines) {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] ?? [:]
            if let error = object["error"] as? String { Issue.record("not PromQL (\(error)): \(expression)") }
            names[expression] = Set(object["metrics"] as? [String] ?? [])
        }
        return names
    }

    /// The metric contract the panels are built on: three histograms with the conventions' buckets,
    /// the overflow series with nothing but the service, errors and warnings told apart.
    func checkContract(_ families: [String: Family], application: String, flood: String) {
        let durationBounds = ["0.001", "0.005", "0.01", "0.05", "0.1", "0.5", "1.0", "5.0", "10.0", "+Inf"]
        let rowBounds = ["1.0", "2.0", "5.0", "10.0", "20.0", "50.0", "100.0", "200.0", "500.0", "1000.0", "2000.0", "5000.0", "10000.0", "+Inf"]
        for (name, bounds) in [
            ("db_client_operation_duration_seconds", durationBounds), ("db_client_response_returned_rows", rowBounds),
            ("tusk_db_server_operation_duration_seconds", durationBounds),
        ] {
            guard let family = families[name] else {
                Issue.record("no \(name) on /metrics: \(families.keys.sorted())")
                continue
            }
            #expect(family.type == "histogram", "\(name) is a \(family.type)")
            let buckets = family.samples.filter { $0.name == name + "_bucket" }
            let first = buckets.first?.labels.filter { $0.key != "le" }
            let bucketBounds = buckets.filter { $0.labels.filter { $0.key != "le" } == first }.compactMap { $0.labels["le"] }
            #expect(bucketBounds.compactMap(Double.init) == bounds.compactMap(Double.init), "\(name) buckets \(bucketBounds)")
        }
        let overflowCounter = families.values.first { $0.samples.contains { $0.name == "tusk_metric_overflow_total" } }
        #expect(overflowCounter?.type == "counter", "tusk_metric_overflow_total: \(overflowCounter?.type ?? "missing")")

        let client = families["db_client_operation_duration_seconds"]?.samples.filter { $0.name.hasSuffix("_count") } ?? []
        let overflow = client.filter { $0.labels["otel_metric_overflow"] == "true" }
        #expect(overflow.map(\.labels) == [["service_name": flood, "otel_metric_overflow": "true"]], "overflow series: \(overflow)")
        let mine = client.filter { $0.labels["service_name"] == application }
        #expect(mine.allSatisfy { $0.labels["db_system_name"] == "postgresql" && $0.labels["db_namespace"] == "tusk" })
        #expect(mine.allSatisfy { $0.labels["server_address"] == "127.0.0.1" && $0.labels["server_port"] != nil })
        let errors = Set(mine.compactMap { $0.labels["error_type"] })
        #expect(errors == ["42P01", "23505"], "error_type values: \(errors)")
        #expect(mine.filter { $0.labels["error_type"] != nil }.allSatisfy { $0.labels["db_response_status_code"] == $0.labels["error_type"] })
        #expect(mine.contains { $0.labels["db_response_status_code"] == "01000" && $0.labels["error_type"] == nil }, "no warning series")
        #expect(Set(mine.compactMap { $0.labels["db_query_summary"] }).count < Self.summaryLimit)
    }
}
