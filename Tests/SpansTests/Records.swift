// Captured requests as the kernel reports them (bpf/tusk_record.h), built field by field, and a
// span builder with a fixed clock and fixed ids, so every test can state exact values.

import KernelRecords
@testable import Spans
import TraceContext

enum Records {
    static let connection: UInt64 = 1
    /// An application at 10.0.0.5:40000 talking to PostgreSQL at 10.0.0.9:5432.
    static let tcp = SocketAddress.inet(local: [10, 0, 0, 5], localPort: 40_000, peer: [10, 0, 0, 9], peerPort: 5432)
    /// CLOCK_MONOTONIC of the requests; the builder's clock adds `clockOffset`.
    static let start: UInt64 = 5_000_000_000
    static let end: UInt64 = 5_001_500_000
    /// Realtime − monotonic of the builder's clock: 2026-11-18T…Z at monotonic zero.
    static let clockOffset: Int64 = 1_795_000_000_000_000_000

    /// name\0 name\0 …
    static func cStrings(_ strings: String...) -> [UInt8] {
        strings.flatMap { Array($0.utf8) + [0] }
    }

    static func request(
        _ kind: CapturedRequest.Kind, flags: CapturedRequest.Flags = [], text: [UInt8] = [], names: [UInt8] = [],
        tag: String = "", connection: UInt64 = connection
    ) -> CapturedRequest {
        CapturedRequest(
            kind: kind, flags: flags, startNanoseconds: start, endNanoseconds: end, responseNanoseconds: start + 400_000,
            connectionID: connection, pid: 4242, tid: 4243, fd: 7, role: .client, socket: tcp, threadName: "psql",
            text: text, textTotal: text.count, tag: Array(tag.utf8), names: names)
    }

    /// StartupMessage body after the protocol code: (name\0 value\0)* \0
    static func startup(
        user: String = "app", database: String? = "shop", application: String? = nil, connection: UInt64 = connection
    ) -> CapturedRequest {
        var text = cStrings("user", user)
        if let database { text += cStrings("database", database) }
        if let application { text += cStrings("application_name", application) }
        return request(.startup, text: text + [0], connection: connection)
    }

    /// Query 'Q': the query string and its NUL.
    static func query(
        _ sql: String, tag: String = "", rows: UInt64 = 0, dataRows: UInt64 = 0, commands: UInt16 = 1,
        connection: UInt64 = connection
    ) -> CapturedRequest {
        var record = request(.query, flags: [], text: cStrings(sql), tag: tag, connection: connection)
        record.rows = rows
        record.dataRows = dataRows
        record.completedCommands = commands
        return record
    }

    /// Parse 'P' body: statement\0 query\0 int16 0 (no parameter types).
    static func parseBody(_ sql: String, statement: String) -> [UInt8] {
        cStrings(statement, sql) + [0, 0]
    }

    /// Parse + Describe 'S' + Sync without an Execute (how JDBC and PostgresNIO prepare), answered
    /// with ParseComplete.
    static func prepare(_ sql: String, statement: String, connection: UInt64 = connection) -> CapturedRequest {
        request(
            .prepare, flags: [.parse, .parseComplete, .describe, .sync], text: parseBody(sql, statement: statement),
            names: [UInt8(ascii: "S")] + cStrings(statement), connection: connection)
    }

    /// Parse + Bind + Execute + Sync in one request; names is the Bind body prefix: portal\0 statement\0
    /// int16 0 formats.
    static func parseBindExecute(
        _ sql: String, statement: String = "", portal: String = "", tag: String = "SELECT 1", dataRows: UInt64 = 1,
        connection: UInt64 = connection
    ) -> CapturedRequest {
        var record = request(
            .execute, flags: [.parse, .parseComplete, .bind, .describe, .execute, .sync], text: parseBody(sql, statement: statement),
            names: cStrings(portal, statement) + [0, 0], tag: tag, connection: connection)
        record.dataRows = dataRows
        record.rows = dataRows
        record.completedCommands = 1
        return record
    }

    /// Bind + Execute + Sync of a statement prepared earlier: names is the Bind body prefix.
    static func bindExecute(
        statement: String, portal: String = "", tag: String = "SELECT 1", dataRows: UInt64 = 1,
        connection: UInt64 = connection
    ) -> CapturedRequest {
        var record = request(
            .execute, flags: [.bind, .execute, .sync], names: cStrings(portal, statement) + [0, 0], tag: tag,
            connection: connection)
        record.dataRows = dataRows
        record.rows = dataRows
        record.completedCommands = 1
        return record
    }

    /// Execute + Sync alone, fetching more rows of an open portal (JDBC with a fetch size): names is
    /// the Execute body: portal\0 int32 max rows.
    static func execute(portal: String, maxRows: UInt8 = 10, dataRows: UInt64 = 10, connection: UInt64 = connection)
        -> CapturedRequest
    {
        var record = request(
            .execute, flags: [.execute, .sync, .suspended], names: cStrings(portal) + [0, 0, 0, maxRows],
            connection: connection)
        record.dataRows = dataRows
        return record
    }

    /// Close 'C' 'S' statement\0 + Sync.
    static func closeStatement(_ statement: String, connection: UInt64 = connection) -> CapturedRequest {
        request(.close, flags: [.sync], names: [UInt8(ascii: "S")] + cStrings(statement), connection: connection)
    }

    /// Close 'C' 'P' portal\0 + Sync.
    static func closePortal(_ portal: String, connection: UInt64 = connection) -> CapturedRequest {
        request(.close, flags: [.sync], names: [UInt8(ascii: "P")] + cStrings(portal), connection: connection)
    }

    static func connectionEnd(connection: UInt64 = connection) -> CapturedRequest {
        request(.connectionEnd, connection: connection)
    }

    /// ErrorResponse / NoticeResponse body: (code byte, value\0)* \0
    static func errorBody(_ fields: KeyValuePairs<Character, String>) -> [UInt8] {
        fields.flatMap { [$0.key.asciiValue!] + Array($0.value.utf8) + [0] } + [0]
    }

    /// ErrorResponse for `SELECT * FROM nosuch`.
    static let undefinedTable = errorBody([
        "S": "ERROR", "V": "ERROR", "C": "42P01", "M": "relation \"nosuch\" does not exist", "P": "15",
    ])
}

extension SpanBuilder {
    /// A builder whose spans have known ids and times: ids from `IDGenerator(seed: seed)`, times
    /// shifted by `Records.clockOffset`.
    static func fixed(seed: UInt64 = 1, _ configure: (inout Options) -> Void = { _ in }) -> SpanBuilder {
        var options = Options.default
        configure(&options)
        return SpanBuilder(
            options: options, processes: CommandNameResolver(), clock: WallClock(offsetNanoseconds: Records.clockOffset),
            ids: IDGenerator(seed: seed))
    }

    /// Feeds the records in order: the span (or nil) each one made.
    @discardableResult
    func spans(for records: [CapturedRequest]) -> [DatabaseSpan?] {
        records.map { span(for: $0) }
    }
}

extension DatabaseSpan {
    /// Attribute keys in order, to check that nothing else was set.
    var keys: [String] { attributes.map(\.key) }
}
