// Where the connection ran: server and peer addresses, transport, the observing side, the process.

@testable import Spans
import Testing

struct SpanBuilderNetworkTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var local: [UInt8]
        var peer: [UInt8]
        var peerText: String
        var testDescription: String { peerText }
    }

    static let v6Loopback: [UInt8] = Array(repeating: 0, count: 15) + [1]

    @Test(arguments: [
        Case(local: [10, 0, 0, 5], peer: [10, 0, 0, 9], peerText: "10.0.0.9"),
        Case(local: [127, 0, 0, 1], peer: [127, 0, 0, 1], peerText: "127.0.0.1"),
        Case(local: v6Loopback, peer: v6Loopback, peerText: "::1"),
        Case(
            local: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x05],
            peer: [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09], peerText: "2001:db8::9"),
        Case(
            local: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x16, 0x3e, 0xff, 0xfe, 0x12, 0x34, 0x56],
            peer: [0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x16, 0x3e, 0xff, 0xfe, 0xab, 0xcd, 0xef], peerText: "fe80::216:3eff:feab:cdef"),
        Case(local: v6Loopback, peer: Array(repeating: 0, count: 10) + [0xff, 0xff, 10, 0, 0, 9], peerText: "::ffff:10.0.0.9"),
    ])
    func aClientConnectionNamesThePeerAsTheServer(_ row: Case) throws {
        var record = Records.query("SELECT 1")
        record.socket = .inet(local: row.local, localPort: 40_000, peer: row.peer, peerPort: 6432)
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span.kind == .client)
        #expect(span["server.address"] == .string(row.peerText))
        #expect(span["server.port"] == .int(6432))
        #expect(span["network.peer.address"] == .string(row.peerText))
        #expect(span["network.peer.port"] == .int(6432))
        #expect(span["network.transport"] == .string("tcp"))
    }

    /// Tusk next to the database sees the backend's side: the local end is the server, the peer
    /// the application.
    @Test func aServerConnectionNamesTheLocalEndAsTheServer() throws {
        var record = Records.query("SELECT 1")
        record.role = .server
        record.socket = .inet(local: [10, 0, 0, 9], localPort: 5432, peer: [10, 0, 0, 5], peerPort: 40_000)
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span.kind == .server)
        #expect(span["server.address"] == .string("10.0.0.9"))
        #expect(span["server.port"] == .int(5432))
        #expect(span["network.peer.address"] == .string("10.0.0.5"))
        #expect(span["network.peer.port"] == .int(40_000))
    }

    @Test func aUnixSocketHasATransportAndNoAddresses() throws {
        var record = Records.query("SELECT 1")
        record.socket = .unix
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["network.transport"] == .string("unix"))
        #expect(span["server.address"] == nil)
        #expect(span["server.port"] == nil)
        #expect(span["network.peer.address"] == nil)
        #expect(span["network.peer.port"] == nil)
    }

    @Test func anUnknownSocketHasNoNetworkAttributes() throws {
        var record = Records.query("SELECT 1")
        record.socket = .unknown
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span.keys.filter { $0.hasPrefix("network.") || $0.hasPrefix("server.") } == [])
    }

    @Test func theStartupParametersNameTheDatabaseUserAndApplication() throws {
        let builder = SpanBuilder.fixed()
        builder.spans(for: [
            Records.startup(user: "app", database: nil, application: "", connection: 1),
            Records.startup(user: "app", database: "shop", application: "billing", connection: 2),
        ])
        let defaulted = try #require(builder.span(for: Records.query("SELECT 1", connection: 1)))
        #expect(defaulted["db.namespace"] == .string("app"))  // database defaults to the user
        #expect(defaulted["tusk.db.user"] == .string("app"))
        #expect(defaulted["tusk.db.application_name"] == nil)  // empty: not set
        let named = try #require(builder.span(for: Records.query("SELECT 1", connection: 2)))
        #expect(named["db.namespace"] == .string("shop"))
        #expect(named["tusk.db.application_name"] == .string("billing"))
    }

    @Test func theApplicationNameFollowsWhatTheServerReports() throws {
        let builder = SpanBuilder.fixed()
        // the server's ParameterStatus at startup wins over the client's request
        var startup = Records.startup(application: "asked")
        startup.applicationName = "granted"
        builder.spans(for: [startup])
        #expect(builder.span(for: Records.query("SELECT 1"))?["tusk.db.application_name"] == .string("granted"))
        // SET application_name: its own span keeps the old name, the requests after carry the new one
        var rename = Records.query("SET application_name = 'renamed'", tag: "SET")
        rename.applicationName = "renamed"
        #expect(builder.span(for: rename)?["tusk.db.application_name"] == .string("granted"))
        #expect(builder.span(for: Records.query("SELECT 2"))?["tusk.db.application_name"] == .string("renamed"))
        // reset to empty: no attribute
        var clear = Records.query("SET application_name = ''", tag: "SET")
        clear.applicationName = ""
        _ = builder.span(for: clear)
        #expect(builder.span(for: Records.query("SELECT 3"))?["tusk.db.application_name"] == nil)
        // a connection first seen after its startup learns its name from a SET too
        var midstream = Records.query("SET application_name = 'late'", tag: "SET", connection: 9)
        midstream.applicationName = "late"
        _ = builder.span(for: midstream)
        #expect(builder.span(for: Records.query("SELECT 4", connection: 9))?["tusk.db.application_name"] == .string("late"))
    }

    @Test func aFunctionCallIsNamedByItsFunction() throws {
        let builder = SpanBuilder.fixed()
        builder.spans(for: [Records.startup()])
        var open = Records.request(.functionCall)
        open.functionOID = 952
        let known = try #require(builder.span(for: open))
        #expect(known.name == "lo_open")
        #expect(known["db.stored_procedure.name"] == .string("lo_open"))
        #expect(known["db.query.text"] == nil)
        var other = Records.request(.functionCall)
        other.functionOID = 16_385
        let unknown = try #require(builder.span(for: other))
        #expect(unknown.name == "16385")
        #expect(unknown["db.stored_procedure.name"] == .string("16385"))
    }

    @Test func spansOfOneProcessShareOneResource() throws {
        let builder = SpanBuilder.fixed()
        var other = Records.query("SELECT 1", connection: 2)
        other.pid = 777
        other.threadName = "worker"
        let spans = builder.spans(for: [Records.query("SELECT 1"), Records.query("SELECT 2"), other])
        let first = try #require(spans[0]).process
        #expect(first === spans[1]?.process)
        #expect(first.pid == 4242)
        #expect(first.command == "psql")
        #expect(first.resourceAttributes == [
            .string("service.name", "psql"), .int("process.pid", 4242), .string("process.executable.name", "psql"),
        ])
        let worker = try #require(spans[2]).process
        #expect(worker !== first)
        #expect(worker.pid == 777)
        #expect(worker.command == "worker")
    }

    @Test func theThreadThatSentTheRequestIsNamed() throws {
        var record = Records.query("SELECT 1")
        record.tid = 4250
        #expect(try #require(SpanBuilder.fixed().span(for: record))["thread.id"] == .int(4250))
    }

    @Test func timesAreTheMonotonicTimesOnTheWallClock() throws {
        var record = Records.query("SELECT 1")
        record.startNanoseconds = 1_000
        record.endNanoseconds = 3_500
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span.startUnixNanoseconds == 1_795_000_000_000_001_000)
        #expect(span.endUnixNanoseconds == 1_795_000_000_000_003_500)
    }
}
