// One node's view of requests through a pooler: an application, PgBouncer and a PostgreSQL
// backend, each connection seen from both ends, as the kernel reports them (times in µs of
// CLOCK_MONOTONIC from `Records.start`).

import KernelRecords
@testable import Spans
import TraceContext

enum Hops {
    static let loopback: [UInt8] = [127, 0, 0, 1]

    /// One end of a connection: which process, which socket, which role.
    struct End {
        var connection: UInt64
        var pid: Int32
        var role: CapturedRequest.Role
        var socket: SocketAddress
        var command: String
    }

    /// A TCP connection from `clientPort` to `serverPort` on the loopback, seen from both ends.
    static func tcp(
        _ id: UInt64, client: (pid: Int32, command: String, port: UInt16), server: (pid: Int32, command: String, port: UInt16),
        clientSees serverAddress: [UInt8] = loopback, serverSees clientAddress: [UInt8] = loopback
    ) -> (client: End, server: End) {
        (
            End(
                connection: id, pid: client.pid, role: .client,
                socket: .inet(local: clientAddress, localPort: client.port, peer: serverAddress, peerPort: server.port),
                command: client.command),
            End(
                connection: id + 1000, pid: server.pid, role: .server,
                socket: .inet(local: loopback, localPort: server.port, peer: clientAddress, peerPort: client.port),
                command: server.command)
        )
    }

    /// The same over a Unix socket: no addresses.
    static func unix(_ id: UInt64, client: (pid: Int32, command: String), server: (pid: Int32, command: String)) -> (client: End, server: End) {
        (
            End(connection: id, pid: client.pid, role: .client, socket: .unix, command: client.command),
            End(connection: id + 1000, pid: server.pid, role: .server, socket: .unix, command: server.command)
        )
    }

    /// The startup record of `end`; `backendKey` is the BackendKeyData process id both ends see.
    static func startup(_ end: End, backendKey: UInt32) -> CapturedRequest {
        var record = Records.startup(connection: end.connection)
        record.pid = end.pid
        record.role = end.role
        record.socket = end.socket
        record.threadName = end.command
        record.backendPID = backendKey
        return record
    }

    /// A simple Query at `end` from `start` to `end` µs.
    static func query(_ sql: String, at end: End, _ start: UInt64, _ finish: UInt64) -> CapturedRequest {
        var record = Records.query(sql, tag: "SELECT 1", dataRows: 1, connection: end.connection)
        record.pid = end.pid
        record.tid = end.pid
        record.role = end.role
        record.socket = end.socket
        record.threadName = end.command
        record.startNanoseconds = Records.start + start * 1000
        record.endNanoseconds = Records.start + finish * 1000
        return record
    }

    static let app = (pid: Int32(100), command: "psql")
    static let pgbouncer = (pid: Int32(200), command: "pgbouncer")
    static let backend = (pid: Int32(300), command: "postgres")

    /// app → PgBouncer :6432 → PostgreSQL :5432, every end started while Tusk watched.
    struct Chain {
        var inbound: (client: End, server: End)
        var outbound: (client: End, server: End)
        /// App CLIENT, PgBouncer SERVER, PgBouncer CLIENT, PostgreSQL SERVER.
        var ends: [End] { [inbound.client, inbound.server, outbound.client, outbound.server] }

        init(_ index: UInt64 = 0, backendPID: Int32 = backend.pid, appPID: Int32 = app.pid) {
            inbound = Hops.tcp(
                10 + index * 2, client: (appPID, app.command, UInt16(50_000 + index)), server: (pgbouncer.pid, pgbouncer.command, 6432))
            outbound = Hops.tcp(
                11 + index * 2, client: (pgbouncer.pid, pgbouncer.command, UInt16(51_000 + index)),
                server: (backendPID, backend.command, 5432))
        }

        var startups: [CapturedRequest] {
            [
                Hops.startup(inbound.client, backendKey: 0xBEEF), Hops.startup(inbound.server, backendKey: 0xBEEF),
                Hops.startup(outbound.client, backendKey: UInt32(outbound.server.pid)),
                Hops.startup(outbound.server, backendKey: UInt32(outbound.server.pid)),
            ]
        }

        /// One request down the chain: each hop nested 100 µs inside the one before; in the order
        /// they complete (the backend's first).
        func request(_ sql: String, at start: UInt64 = 1000) -> [CapturedRequest] {
            [
                Hops.query(sql, at: outbound.server, start + 300, start + 700),
                Hops.query(sql, at: outbound.client, start + 200, start + 800),
                Hops.query(sql, at: inbound.server, start + 100, start + 900),
                Hops.query(sql, at: inbound.client, start, start + 1000),
            ]
        }
    }
}

/// A builder that marks connection ends, and a joiner behind it, fed record by record.
final class HopHarness {
    let builder: SpanBuilder
    let joiner: HopJoiner
    private(set) var emitted: [DatabaseSpan] = []
    var now: UInt64 = 0

    init(seed: UInt64 = 1, options: HopJoiner.Options = .default, _ configure: (inout SpanBuilder.Options) -> Void = { _ in }) {
        builder = SpanBuilder.fixed(seed: seed) {
            $0.joinsHops = true
            configure(&$0)
        }
        joiner = HopJoiner(options: options)
    }

    /// Builds and offers each record's span; returns the spans emitted meanwhile.
    @discardableResult
    func feed(_ records: [CapturedRequest]) -> [DatabaseSpan] {
        let before = emitted.count
        for record in records {
            guard let span = builder.span(for: record) else { continue }
            joiner.offer(span, now: now) { emitted.append($0) }
        }
        return Array(emitted[before...])
    }

    @discardableResult
    func expire(at now: UInt64) -> [DatabaseSpan] {
        self.now = now
        let before = emitted.count
        joiner.expire(now: now) { emitted.append($0) }
        return Array(emitted[before...])
    }

    /// The emitted span of process `pid` seen as `kind`.
    func span(pid: Int32, _ kind: DatabaseSpan.Kind, among spans: [DatabaseSpan]? = nil) -> DatabaseSpan? {
        (spans ?? emitted).first { $0.process.pid == pid && $0.kind == kind }
    }
}
