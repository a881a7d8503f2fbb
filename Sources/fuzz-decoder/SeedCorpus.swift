// The seed corpus (Tests/Fuzz/corpus): requests as the kernel reports them for a psql session,
// a JDBC session with named statements and a fetch size, errors, notices and a sqlcommenter
// comment — each as a kernel record image and in compact form.

import TestSupport
import KernelRecords

enum SeedCorpus {
    static let tcp = SocketAddress.inet(local: [10, 0, 0, 5], localPort: 40_000, peer: [10, 0, 0, 9], peerPort: 5432)
    static let tcp6 = SocketAddress.inet(
        local: Array(repeating: 0, count: 15) + [1], localPort: 40_001, peer: Array(repeating: 0, count: 15) + [1],
        peerPort: 5432)

    static func cStrings(_ strings: String...) -> [UInt8] { strings.flatMap { Array($0.utf8) + [0] } }

    static func request(
        _ kind: CapturedRequest.Kind, _ flags: CapturedRequest.Flags = [.sync], connection: UInt64 = 1,
        text: [UInt8] = [], tag: String = "", names: [UInt8] = [], errorFields: [UInt8] = [], rows: UInt64 = 0,
        dataRows: UInt64 = 0, outcome: CapturedRequest.Outcome = .complete, socket: SocketAddress = tcp
    ) -> CapturedRequest {
        CapturedRequest(
            kind: kind, outcome: outcome, flags: flags, startNanoseconds: 5_000_000_000, endNanoseconds: 5_000_900_000,
            responseNanoseconds: 5_000_500_000, connectionID: connection, pid: 4242, tid: 4242, fd: 5, rows: rows,
            dataRows: dataRows, completedCommands: tag.isEmpty ? 0 : 1, transactionStatus: UInt8(ascii: "I"), role: .client,
            socket: socket, threadName: "psql", text: text, textTotal: text.count, tag: Array(tag.utf8),
            errorFields: errorFields, names: names)
    }

    static let startup = request(
        .startup, [], text: cStrings("user", "app", "database", "shop", "application_name", "psql") + [0])
    static let startup6 = request(
        .startup, [], connection: 2, text: cStrings("user", "jdbc", "database", "orders") + [0], socket: tcp6)

    /// Named seeds; a session is several records in a row.
    static let seeds: [(name: String, records: [CapturedRequest])] = [
        ("query-select", [startup, request(.query, [], text: cStrings("SELECT * FROM orders WHERE id = 42"), tag: "SELECT 1", rows: 1, dataRows: 1)]),
        ("query-batch", [request(.query, [], text: cStrings("BEGIN; UPDATE accounts SET balance = 0 WHERE id = 1; COMMIT;"), tag: "COMMIT", rows: 1)]),
        ("query-error", [request(
            .query, [.error], text: cStrings("SELECT * FROM nosuch"),
            errorFields: cStrings("SERROR", "VERROR", "C42P01", "Mrelation \"nosuch\" does not exist", "P15") + [0])]),
        ("query-notice", [request(
            .query, [.notice], text: cStrings("CREATE TABLE IF NOT EXISTS t (id int)"), tag: "CREATE TABLE",
            errorFields: cStrings("SNOTICE", "VNOTICE", "C42P07", "Mrelation \"t\" already exists, skipping") + [0])]),
        ("query-sqlcommenter", [request(
            .query, [], text: cStrings(
                "SELECT name FROM users WHERE id = $1 /*traceparent='00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',"
                    + "tracestate='congo%3Dt61rcWkgMzE,ot%3Dth%3A8%3Brv%3A7479cfb506891d'*/"), tag: "SELECT 1", dataRows: 1)]),
        ("query-truncated", [request(.query, [.textTruncated], text: Array("UPDATE t SET note = 'call me at 555".utf8))]),
        ("query-deallocate", [request(.query, [], text: cStrings("DEALLOCATE \"S_1\"; DISCARD ALL"), tag: "DISCARD ALL")]),
        ("jdbc-session", [
            startup6,
            request(.prepare, [.parse, .describe, .sync], connection: 2, text: cStrings("S_1", "SELECT * FROM events WHERE kind = $1") + [0, 0],
                    names: [UInt8(ascii: "S")] + cStrings("S_1")),
            request(.execute, [.bind, .execute, .suspended, .sync], connection: 2, names: cStrings("C_1", "S_1") + [0, 0], dataRows: 10),
            request(.execute, [.execute, .sync], connection: 2, tag: "SELECT 13", names: cStrings("C_1") + [0, 0, 0, 10], dataRows: 3),
            request(.close, [.sync], connection: 2, names: [UInt8(ascii: "S")] + cStrings("S_1")),
            request(.execute, [.bind, .execute, .sync], connection: 2, names: cStrings("", "S_1") + [0, 0], outcome: .skipped),
            request(.connectionEnd, [], connection: 2),
        ]),
        ("pgbench-extended", [
            request(.execute, [.parse, .bind, .describe, .execute, .sync], text: cStrings("", "UPDATE pgbench_accounts SET abalance = abalance + $1 WHERE aid = $2;") + [0, 0],
                    tag: "UPDATE 1", names: cStrings("", "") + [0, 0], rows: 1),
            request(.execute, [.parse, .bind, .describe, .execute, .sync], text: cStrings("", "SELECT abalance FROM pgbench_accounts WHERE aid = $1"),
                    tag: "SELECT 1", names: cStrings("", "") + [0, 0], rows: 1, dataRows: 1),
        ]),
        ("aborted-unix", [request(.query, [], text: cStrings("SELECT pg_sleep(10)"), outcome: .aborted, socket: .unix)]),
        ("function-call", [request(.functionCall, [], tag: "", names: [])]),
    ]

    /// Each seed as kernel record images and as compact records: (file name, bytes).
    static var files: [(String, [UInt8])] {
        seeds.flatMap { seed in
            [("\(seed.name).image", seed.records.flatMap(RecordImage.encode)),
             ("\(seed.name).compact", seed.records.flatMap(CompactRecord.encode))]
        }
    }
}
