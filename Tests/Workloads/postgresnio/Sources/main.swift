// PostgresNIO (SwiftNIO): every statement goes out in the extended protocol. `query` sends
// Parse/Describe/Bind/Execute/Sync for the unnamed statement in one write; the EventLoopFuture
// `PostgresDatabase.query(_:_:)` (the path PostgresKit and Fluent take) does the same; a
// `PostgresPreparedStatement` is parsed once per connection under its type's name, then only
// bound and executed. No pipelining: requests issued together wait in the connection's queue.
import Foundation
import PostgresNIO

let environment = ProcessInfo.processInfo.environment
let table = environment["TUSK_TABLE"]!
let logger = Logger(label: "postgres-nio-workload")
nonisolated(unsafe) var calls = 0

func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
}

/// Times one driver call and prints a line per statement; a server error is reported, not thrown.
func call(_ step: String, _ texts: [String], _ body: () async throws -> [Int?]) async throws {
    calls += 1
    let started = monotonicNanoseconds()
    var rows: [Int?] = texts.map { _ in nil }
    var sqlstate: String?
    do {
        rows = try await body()
    } catch let error as PSQLError {
        guard let code = error.serverInfo?[.sqlState] else { throw error }
        sqlstate = code
    } catch let error as PostgresError {  // what the EventLoopFuture API throws
        guard case .server = error else { throw error }
        sqlstate = error.code.raw
    }
    let elapsed = monotonicNanoseconds() - started
    for (text, count) in zip(texts, rows) {
        let line: [String: Any] = [
            "pid": getpid(), "call": calls, "step": step, "sql": text, "ns": elapsed,
            "rows": count.map { $0 as Any } ?? NSNull(), "sqlstate": sqlstate.map { $0 as Any } ?? NSNull(),
        ]
        let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes])
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}

struct SelectByID: PostgresPreparedStatement {
    static var sql: String { "SELECT id, name, qty FROM \(table) WHERE id = $1" }
    typealias Row = (Int32, String, Int32)
    var id: Int32
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(id)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> Row { try row.decode(Row.self) }
}

struct AddQuantity: PostgresPreparedStatement {
    static var sql: String { "UPDATE \(table) SET qty = qty + $1 WHERE id <= $2" }
    typealias Row = ()
    var add: Int32
    var maxID: Int32
    func makeBindings() throws -> PostgresBindings {
        var bindings = PostgresBindings()
        bindings.append(add)
        bindings.append(maxID)
        return bindings
    }
    func decodeRow(_ row: PostgresRow) throws -> Row {}
}

/// TUSK_SSLMODE=require: TLS through SwiftNIO SSL's BoringSSL, the sandbox's certificate unchecked.
let sslmode = environment["TUSK_SSLMODE"]
func tls() throws -> PostgresConnection.Configuration.TLS {
    guard sslmode != nil else { return .disable }
    var unverified = TLSConfiguration.makeClientConfiguration()
    unverified.certificateVerification = .none
    return .require(try NIOSSLContext(configuration: unverified))
}

let configuration = PostgresConnection.Configuration(
    host: environment["PGHOST"]!, port: Int(environment["PGPORT"]!)!, username: environment["PGUSER"]!,
    password: nil, database: environment["PGDATABASE"]!, tls: try tls())
let connection = try await PostgresConnection.connect(configuration: configuration, id: 1, logger: logger)

/// The async `query`: rows counted for SELECTs; it does not surface the command tag, so DML rows stay unknown.
func query(_ step: String, _ sql: String, returnsRows: Bool = false) async throws {
    try await call(step, [sql]) {
        var count = 0
        for try await _ in try await connection.query(PostgresQuery(unsafeSQL: sql), logger: logger) { count += 1 }
        return [returnsRows ? count : nil]
    }
}

/// The EventLoopFuture `PostgresDatabase.query`, with its command-tag metadata.
func legacyQuery(_ step: String, _ sql: String, _ binds: [PostgresData]) async throws {
    try await call(step, [sql]) {
        [try await connection.query(sql, binds).get().metadata.rows]
    }
}

if sslmode != nil {
    // the plan's first step over TLS: the server says the connection is encrypted
    let encrypted = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()"
    var said: [Bool] = []
    try await call("encrypted", [encrypted]) {
        for try await row in try await connection.query(PostgresQuery(unsafeSQL: encrypted), logger: logger) {
            said.append(try row.decode(Bool.self))
        }
        return [said.count]
    }
    guard said == [true] else {
        FileHandle.standardError.write(Data("the server says the connection is not encrypted: \(said)\n".utf8))
        exit(1)
    }
}

let insert = "INSERT INTO \(table) (id, name, qty) VALUES ($1, $2, $3)"
try await query("create", "CREATE TABLE \(table) (id integer PRIMARY KEY, name text NOT NULL, qty integer NOT NULL)")
try await query("insert_literal", "INSERT INTO \(table) (id, name, qty) VALUES (1, 'one', 10)")
try await legacyQuery("insert_param", insert, [PostgresData(int32: 2), PostgresData(string: "two"), PostgresData(int32: 20)])
for i in 0..<12 {
    try await call("select_param", [SelectByID.sql]) {
        var count = 0
        for try await _ in try await connection.execute(SelectByID(id: Int32(1 + i % 2)), logger: logger) { count += 1 }
        return [count]
    }
}
try await call("update", [AddQuantity.sql]) {
    // the overload returning the command tag traps in 1.33.2 ("commandTag may only be called if all
    // rows have been consumed"); draining the row sequence works, but leaves the count unknown
    let rows: AsyncThrowingMapSequence<PostgresRowSequence, Void> = try await connection.execute(
        AddQuantity(add: 5, maxID: 2), logger: logger)
    for try await _ in rows {}
    return [nil]
}
for i in 0..<4 {  // no pipelining in PostgresNIO: one round trip each
    try await legacyQuery("batch", insert, [PostgresData(int32: Int32(10 + i)), PostgresData(string: "batch \(i)"), PostgresData(int32: Int32(i))])
}
try await query("delete", "DELETE FROM \(table) WHERE id >= 10")
try await query("undefined_table", "SELECT * FROM tusk_no_such_table", returnsRows: true)
try await legacyQuery("unique_violation", insert, [PostgresData(int32: 1), PostgresData(string: "dup"), PostgresData(int32: 0)])
try await query("select_many", "SELECT n FROM generate_series(1, 50000) AS n", returnsRows: true)
try await query("drop", "DROP TABLE \(table)")
try await connection.closeGracefully()
