// Throughput of QueryAnalyzer on one core, per workload, side by side, alone and through the span
// builder (a captured request in, a finished span out) (run by scripts/bench-query-text).
// `bench-query-text --show 'SQL' …` prints the analysis of each argument instead.

import KernelRecords
import QueryText
import Spans

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Monotonic seconds.
func now() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

/// A deterministic generator, so every run measures the same texts.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// 100 statement shapes an application might send, `#` standing for a literal.
let shapes: [String] = {
    var shapes = [
        "SELECT abalance FROM pgbench_accounts WHERE aid = #;",
        "UPDATE pgbench_accounts SET abalance = abalance + # WHERE aid = #;",
        "UPDATE pgbench_tellers SET tbalance = tbalance + # WHERE tid = #;",
        "UPDATE pgbench_branches SET bbalance = bbalance + # WHERE bid = #;",
        "INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (#, #, #, #, CURRENT_TIMESTAMP);",
        "SELECT id, name, email FROM users WHERE email = '#' AND active = true",
        "SELECT o.id, o.total FROM orders o JOIN customers c ON c.id = o.customer_id WHERE c.id = # ORDER BY o.created_at DESC LIMIT #",
        "INSERT INTO events (kind, payload, created_at) VALUES ('#', '#', now()) RETURNING id",
        "DELETE FROM sessions WHERE expires_at < '#'",
        "SELECT count(*) FROM line_items WHERE order_id IN (#, #, #, #, #)",
        "WITH recent AS (SELECT * FROM orders WHERE created_at > '#') SELECT customer_id, sum(total) FROM recent GROUP BY customer_id",
        "SELECT * FROM \"Inventory\".\"Items\" WHERE sku = E'#' AND qty > #",
        "BEGIN",
        "COMMIT",
        "SET statement_timeout = #",
    ]
    let columns = ["id", "name", "status", "owner_id", "updated_at"]
    var index = 0
    while shapes.count < 100 {
        let table = "table_\(index)"
        let column = columns[index % columns.count]
        switch index % 4 {
        case 0: shapes.append("SELECT * FROM \(table) WHERE \(column) = # AND kind = '#' LIMIT #")
        case 1: shapes.append("UPDATE \(table) SET \(column) = '#', version = version + # WHERE id = #")
        case 2: shapes.append("INSERT INTO \(table) (a, b, c) VALUES (#, '#', #.#)")
        default: shapes.append("SELECT a.x, b.y FROM \(table) a JOIN other_\(index) b ON a.id = b.a_id WHERE a.x BETWEEN # AND #")
        }
        index += 1
    }
    return shapes
}()

func fill(_ shape: String, using random: inout SplitMix) -> [UInt8] {
    var text = ""
    for character in shape {
        if character == "#" { text += String(random.next() % 10_000_000) } else { text.append(character) }
    }
    return Array(text.utf8)
}

struct Workload {
    var name: String
    var texts: [[UInt8]]
    var mode: QueryTextMode = .sanitized
    /// Measured through SpanBuilder (whole spans) rather than QueryAnalyzer alone.
    var spans = false
    /// Statements per second per core this workload must reach, if any.
    var target: Double?
    var minimumSeconds = 1.5
}

func workloads() -> [Workload] {
    var random = SplitMix(state: 42)
    let steady = (0..<200_000).map { fill(shapes[$0 % shapes.count], using: &random) }
    let unique = (0..<300_000).map { index in
        fill("SELECT col_\(index % 7), name FROM tbl_\(index)_\(random.next() % 1000) WHERE id = # AND label = '#' LIMIT #", using: &random)
    }
    let big = (0..<20).map { _ in
        var text = "INSERT INTO bulk_rows (id, label, amount) VALUES "
        text += (0..<2_000).map { _ in "(\(random.next() % 100_000), 'label \(random.next() % 1000)', \(random.next() % 1000).5)" }.joined(separator: ", ")
        return Array(text.utf8)
    }
    return [
        Workload(name: "steady: 100 shapes, varying literals", texts: steady, target: 500_000),
        Workload(name: "steady, raw mode", texts: steady, mode: .raw),
        Workload(name: "steady, off mode", texts: steady, mode: .off),
        Workload(name: "all unique (cache miss every time)", texts: unique, target: 50_000, minimumSeconds: 0),
        Workload(name: "~100 KB INSERT, varying literals", texts: big, minimumSeconds: 0.5),
        Workload(name: "spans: 100 shapes, varying literals", texts: steady, spans: true, target: 500_000),
        Workload(name: "spans: all unique", texts: unique, spans: true, target: 50_000, minimumSeconds: 0),
    ]
}

struct Measurement {
    var statements: Int
    var seconds: Double
    var perSecond: Double { Double(statements) / seconds }
}

/// A simple Query with `text` as the kernel would record it: one row, on one of four connections.
func request(_ text: [UInt8], _ n: Int) -> CapturedRequest {
    let start = 1_000_000_000 + UInt64(n) * 10_000
    return CapturedRequest(
        kind: .query, startNanoseconds: start, endNanoseconds: start + 60_000, responseNanoseconds: start + 50_000,
        connectionID: UInt64(n % 4 + 1), pid: 4242, tid: 4242, fd: 5, sequence: UInt32(truncatingIfNeeded: n), rows: 1,
        dataRows: 1, completedCommands: 1, transactionStatus: UInt8(ascii: "I"),
        socket: .inet(local: [127, 0, 0, 1], localPort: 40000, peer: [127, 0, 0, 1], peerPort: 5432), threadName: "app",
        text: text + [0], textTotal: text.count, tag: Array("SELECT 1".utf8) + [0])
}

/// Spans per second through SpanBuilder: decoding aside, everything the agent does per record.
func measureSpans(_ workload: Workload) -> Measurement {
    let builder = SpanBuilder()
    let requests = workload.texts.enumerated().map { request($1, $0) }
    var built = 0
    if workload.minimumSeconds > 0 {
        for request in requests.prefix(5_000) where builder.span(for: request) != nil { built += 1 }
    }
    var statements = 0
    let start = now()
    var elapsed = 0.0
    repeat {
        for request in requests where builder.span(for: request) != nil { built += 1 }
        statements += requests.count
        elapsed = now() - start
    } while elapsed < workload.minimumSeconds
    if built == 42 { print("") } // keeps the work observable
    return Measurement(statements: statements, seconds: elapsed)
}

func measure(_ workload: Workload) -> Measurement {
    if workload.spans { return measureSpans(workload) }
    var analyzer = QueryAnalyzer(mode: workload.mode)
    var checksum = 0
    // One pass to warm the cache (steady workloads) and the allocator; unique texts stay unique.
    if workload.minimumSeconds > 0 {
        for text in workload.texts.prefix(5_000) { checksum &+= analyzer.analyze(text, captureTruncated: false).batchSize }
    }
    var statements = 0
    let start = now()
    var elapsed = 0.0
    repeat {
        for text in workload.texts {
            checksum &+= analyzer.analyze(text, captureTruncated: false).batchSize
        }
        statements += workload.texts.count
        elapsed = now() - start
    } while elapsed < workload.minimumSeconds
    if checksum == 42 { print("") } // keeps the work observable
    return Measurement(statements: statements, seconds: elapsed)
}

func show(_ texts: ArraySlice<String>) {
    var analyzer = QueryAnalyzer()
    for text in texts {
        let analysis = analyzer.analyze(text)
        print(text)
        print("  text:       \(analysis.text.map { "\"\($0)\"" } ?? "nil")\(analysis.truncated ? " (truncated)" : "")")
        print("  summary:    \(analysis.summary ?? "nil")")
        print("  operation:  \(analysis.operation ?? "nil")")
        print("  collection: \(analysis.collection ?? "nil")")
        print("  procedure:  \(analysis.storedProcedure ?? "nil")")
        print("  batch size: \(analysis.batchSize)  parsed: \(analysis.parsed)  deallocations: \(analysis.deallocations)")
        print("  span name:  \(QueryAnalysis.spanName(analysis, namespace: "app", serverAddress: "db", serverPort: 5432))")
    }
}

let arguments = CommandLine.arguments.dropFirst()
if arguments.first == "--show" {
    show(arguments.dropFirst())
} else {
    print("QueryAnalyzer and SpanBuilder throughput, one thread (statements or spans/s per core)")
    func pad(_ text: String, _ width: Int) -> String { text + String(repeating: " ", count: max(0, width - text.count)) }
    func padLeft(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
    print(pad("workload", 40) + padLeft("statements", 12) + padLeft("per second", 14) + padLeft("µs each", 10) + padLeft("target", 12) + "  result")
    var failed = false
    for workload in workloads() {
        let result = measure(workload)
        let target = workload.target.map { String(Int($0)) } ?? "-"
        let verdict: String
        if let goal = workload.target {
            verdict = result.perSecond >= goal ? "ok" : "BELOW TARGET"
            failed = failed || result.perSecond < goal
        } else {
            verdict = ""
        }
        print(pad(workload.name, 40) + padLeft(String(result.statements), 12) + padLeft(String(Int(result.perSecond)), 14)
            + padLeft(String(format: 1e6 / result.perSecond), 10) + padLeft(target, 12) + "  " + verdict)
    }
    exit(failed ? 1 : 0)
}

extension String {
    /// Two decimals, without Foundation.
    init(format value: Double) {
        let hundredths = Int((value * 100).rounded())
        let fraction = hundredths % 100
        self = "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }
}
