// Prepared statements and portals across requests: which SQL text an extended-protocol request
// executes, and when Tusk must admit it does not know.

@testable import Spans
import Testing

struct SpanBuilderStatementTests {
    static let getUser = "SELECT name FROM users WHERE id = $1"
    static let listOrders = "SELECT * FROM orders WHERE user_id = $1"

    @Test func aNamedStatementIsExecutedWithTheTextItWasPreparedWith() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [
            Records.startup(),
            Records.prepare(Self.getUser, statement: "get_user"),
            Records.bindExecute(statement: "get_user"),
        ])
        #expect(spans[0] == nil)  // startup: bookkeeping
        #expect(spans[1] == nil)  // a Parse that worked: bookkeeping
        let span = try #require(spans[2])
        #expect(span["db.query.text"] == .string(Self.getUser))
        #expect(span["db.query.summary"] == .string("SELECT users"))
        #expect(span.name == "SELECT users")
        #expect(span["tusk.query.text_unknown"] == nil)
        #expect(span["tusk.statement.name"] == nil)
    }

    @Test func eachExecutionOfANamedStatementKeepsItsText() throws {
        let builder = SpanBuilder.fixed()
        builder.spans(for: [
            Records.prepare(Self.getUser, statement: "get_user"),
            Records.prepare(Self.listOrders, statement: "list_orders"),
        ])
        let texts = builder.spans(for: [
            Records.bindExecute(statement: "list_orders"),
            Records.bindExecute(statement: "get_user"),
            Records.bindExecute(statement: "list_orders"),
        ]).map { $0?["db.query.text"] }
        #expect(texts == [.string(Self.listOrders), .string(Self.getUser), .string(Self.listOrders)])
    }

    @Test func theUnnamedStatementIsReplacedByTheNextParse() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [
            Records.parseBindExecute("SELECT a FROM t1"),
            Records.parseBindExecute("SELECT b FROM t2"),
            Records.bindExecute(statement: ""),  // Bind of the unnamed statement, no Parse
        ])
        #expect(spans.map { $0?["db.query.text"] } == [.string("SELECT a FROM t1"), .string("SELECT b FROM t2"), .string("SELECT b FROM t2")])
    }

    /// JDBC with a fetch size: Parse/Bind to portal C_1 + Execute(10), then Execute(10) of C_1 alone
    /// until the portal is drained.
    @Test func anExecuteOfAPortalRunsTheStatementTheBindBoundToIt() throws {
        let builder = SpanBuilder.fixed()
        let sql = "SELECT * FROM events WHERE kind = $1"
        let spans = builder.spans(for: [
            Records.parseBindExecute(sql, statement: "S_1", portal: "C_1", tag: "", dataRows: 10),
            Records.execute(portal: "C_1", dataRows: 10),
            Records.execute(portal: "C_1", dataRows: 3),
        ])
        for span in spans {
            #expect(span?["db.query.text"] == .string(sql))
            #expect(span?["db.query.summary"] == .string("SELECT events"))
        }
        #expect(spans.map { $0?["db.response.returned_rows"] } == [.int(10), .int(10), .int(3)])
    }

    @Test func closingAStatementForgetsIt() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [
            Records.startup(),
            Records.prepare(Self.getUser, statement: "S_1"),
            Records.closeStatement("S_1"),
            Records.bindExecute(statement: "S_1"),
        ])
        #expect(spans[2] == nil)  // Close: bookkeeping
        let span = try #require(spans[3])
        #expect(span["tusk.query.text_unknown"] == .bool(true))
        #expect(span["tusk.statement.name"] == .string("S_1"))
        #expect(span["db.query.text"] == nil)
        #expect(span["db.query.summary"] == nil)
        #expect(span.name == "shop")  // no summary, no operation: the namespace
    }

    @Test func closingAPortalForgetsItButNotItsStatement() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [
            Records.parseBindExecute(Self.getUser, statement: "S_1", portal: "C_1"),
            Records.closePortal("C_1"),
            Records.execute(portal: "C_1"),
            Records.bindExecute(statement: "S_1"),
        ])
        #expect(spans[2]?["db.query.text"] == nil)
        #expect(spans[3]?["db.query.text"] == .string(Self.getUser))
    }

    /// (statement sent, names prepared before it, names it forgets)
    @Test(arguments: [
        ("DEALLOCATE get_user", ["get_user", "list_orders"], ["get_user"]),
        ("DEALLOCATE PREPARE get_user", ["get_user", "list_orders"], ["get_user"]),
        ("DEALLOCATE GET_USER", ["get_user", "list_orders"], ["get_user"]),  // unquoted: folded to lower case
        (#"DEALLOCATE "S_1""#, ["S_1", "S_2"], ["S_1"]),
        ("DEALLOCATE S_1", ["S_1", "S_2"], []),  // means s_1, which was never prepared
        ("DEALLOCATE ALL", ["get_user", "list_orders"], ["get_user", "list_orders"]),
        ("DISCARD ALL", ["get_user", "list_orders"], ["get_user", "list_orders"]),
        ("DEALLOCATE S_9; DEALLOCATE list_orders", ["get_user", "list_orders"], ["list_orders"]),
    ])
    func aSimpleQueryDeallocatingStatementsForgetsThem(sql: String, prepared: [String], forgotten: [String]) throws {
        let builder = SpanBuilder.fixed()
        for name in prepared { builder.spans(for: [Records.prepare("SELECT '\(name)'", statement: name)]) }
        let deallocate = try #require(builder.span(for: Records.query(sql, tag: "DEALLOCATE")))
        #expect(deallocate["db.query.text"] == .string(sql))
        for name in prepared {
            let span = try #require(builder.span(for: Records.bindExecute(statement: name)))
            if forgotten.contains(name) {
                #expect(span["tusk.query.text_unknown"] == .bool(true), "\(name)")
                #expect(span["tusk.statement.name"] == .string(name))
                #expect(span["db.query.text"] == nil)
            } else {
                #expect(span["db.query.text"] == .string("SELECT ?"), "\(name)")
                #expect(span["tusk.query.text_unknown"] == nil)
            }
        }
    }

    /// Tusk attached while the application held prepared statements: a Bind of a name Tusk never
    /// saw parsed is reported by name only, whatever else the connection prepared since.
    @Test func aStatementPreparedBeforeTuskIsReportedByNameOnly() throws {
        let builder = SpanBuilder.fixed()
        var midstream = Records.bindExecute(statement: "S_7")
        midstream.flags.insert(.midstream)
        let spans = builder.spans(for: [
            Records.prepare(Self.getUser, statement: "S_1"),
            Records.parseBindExecute(Self.listOrders),  // the unnamed statement, and portal ""
            midstream,
            Records.bindExecute(statement: "S_7", portal: "C_7"),
        ])
        for span in spans[2...] {
            let span = try #require(span)
            #expect(span["tusk.query.text_unknown"] == .bool(true))
            #expect(span["tusk.statement.name"] == .string("S_7"))
            #expect(span["db.query.text"] == nil)
            #expect(span["db.query.summary"] == nil)
            #expect(span["db.collection.name"] == nil)
        }
    }

    @Test func theFirstRequestOfAnUnknownConnectionGetsAStatementByNameOnly() throws {
        let span = try #require(SpanBuilder.fixed().span(for: Records.bindExecute(statement: "S_3", connection: 99)))
        #expect(span["tusk.statement.name"] == .string("S_3"))
        #expect(span["tusk.query.text_unknown"] == .bool(true))
        #expect(span.name == "10.0.0.9:5432")  // no namespace known: the server
    }

    @Test func statementsBelongToTheirConnection() throws {
        let builder = SpanBuilder.fixed()
        builder.spans(for: [Records.prepare(Self.getUser, statement: "S_1", connection: 1)])
        let other = try #require(builder.span(for: Records.bindExecute(statement: "S_1", connection: 2)))
        #expect(other["tusk.query.text_unknown"] == .bool(true))
        #expect(other["db.query.text"] == nil)
    }

    @Test func theEndOfAConnectionForgetsItsStatementsAndStartup() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [
            Records.startup(database: "shop"),
            Records.prepare(Self.getUser, statement: "S_1"),
            Records.connectionEnd(),
            Records.bindExecute(statement: "S_1"),
        ])
        #expect(spans[2] == nil)
        let span = try #require(spans[3])
        #expect(span["tusk.query.text_unknown"] == .bool(true))
        #expect(span["db.namespace"] == nil)
    }

    @Test func aNewStartupOnAConnectionStartsFromNothing() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [
            Records.startup(database: "shop"),
            Records.prepare(Self.getUser, statement: "S_1"),
            Records.startup(database: "billing"),
            Records.bindExecute(statement: "S_1"),
        ])
        let span = try #require(spans[3])
        #expect(span["tusk.query.text_unknown"] == .bool(true))
        #expect(span["db.namespace"] == .string("billing"))
    }

    @Test func aParseThatFailedIsASpanAndOneThatWorkedIsNot() throws {
        let builder = SpanBuilder.fixed()
        var failed = Records.prepare("SELEC 1", statement: "S_1")
        failed.flags.remove(.parseComplete)
        failed.flags.insert(.error)
        failed.errorFields = Records.errorBody(["S": "ERROR", "V": "ERROR", "C": "42601", "M": "syntax error at or near \"SELEC\""])
        #expect(builder.span(for: Records.prepare("SELECT 1", statement: "S_0")) == nil)
        let span = try #require(builder.span(for: failed))
        #expect(span.status == .error(message: "syntax error at or near \"SELEC\""))
        #expect(span["db.response.status_code"] == .string("42601"))
        #expect(span["db.query.text"] == .string("SELEC ?"))
    }

    /// Behind a pooler another client's Parse of a name this server connection already has fails
    /// (42P05), and a Parse an earlier error skipped never ran: neither renames the statement.
    /// Only a ParseComplete records a name.
    @Test func aParseWithoutParseCompleteLeavesTheNameAsItWas() throws {
        let builder = SpanBuilder.fixed()
        #expect(builder.span(for: Records.prepare("SELECT $1::text AS x_stmt", statement: "_pg3_0")) == nil)
        var duplicate = Records.prepare("SELECT $1::text AS y_stmt", statement: "_pg3_0")
        duplicate.flags.remove(.parseComplete)
        duplicate.flags.insert(.error)
        duplicate.errorFields = Records.errorBody(["S": "ERROR", "V": "ERROR", "C": "42P05", "M": "prepared statement \"_pg3_0\" already exists"])
        let failed = try #require(builder.span(for: duplicate))
        #expect(failed["db.query.text"] == .string("SELECT $1::text AS y_stmt"), "the failed Parse's own span has its own text")
        var skipped = Records.prepare("SELECT $1::text AS z_stmt", statement: "_pg3_0")
        skipped.flags.remove(.parseComplete)
        skipped.outcome = .skipped
        _ = builder.span(for: skipped)
        let execution = try #require(builder.span(for: Records.bindExecute(statement: "_pg3_0")))
        #expect(execution["db.query.text"] == .string("SELECT $1::text AS x_stmt"))
    }

    /// A FunctionCall whose OID the capture missed (split before its fourth body byte).
    @Test func aFunctionCallWithoutItsOIDIsNamedFunction() throws {
        let span = try #require(SpanBuilder.fixed().span(for: Records.request(.functionCall, tag: "")))
        #expect(span.name == "FUNCTION")
        #expect(span["db.query.text"] == nil && span["db.stored_procedure.name"] == nil)
    }

    // MARK: bounds

    @Test func moreStatementsThanTheLimitForgetTheOldest() throws {
        let builder = SpanBuilder.fixed { $0.maxStatementsPerConnection = 3 }
        for index in 1...4 {
            builder.spans(for: [Records.prepare("SELECT * FROM t\(index)", statement: "S_\(index)")])
        }
        let texts = (1...4).map { builder.span(for: Records.bindExecute(statement: "S_\($0)"))?["db.query.text"] }
        #expect(texts == [nil, .string("SELECT * FROM t2"), .string("SELECT * FROM t3"), .string("SELECT * FROM t4")])
    }

    /// The evicted name is known to be unknown, not mistaken for another statement.
    @Test func anEvictedStatementIsReportedByName() throws {
        let builder = SpanBuilder.fixed { $0.maxStatementsPerConnection = 2 }
        builder.spans(for: (1...3).map { Records.prepare("SELECT * FROM t\($0)", statement: "S_\($0)") })
        let span = try #require(builder.span(for: Records.bindExecute(statement: "S_1")))
        #expect(span["tusk.query.text_unknown"] == .bool(true))
        #expect(span["tusk.statement.name"] == .string("S_1"))
    }

    /// A statement closed and prepared again is the newest, so the limit evicts the others first.
    @Test func aStatementPreparedAgainAfterItsCloseIsTheNewest() throws {
        let builder = SpanBuilder.fixed { $0.maxStatementsPerConnection = 2 }
        builder.spans(for: [
            Records.prepare("SELECT * FROM t1", statement: "S_1"),
            Records.prepare("SELECT * FROM t2", statement: "S_2"),
            Records.closeStatement("S_1"),
            Records.prepare("SELECT * FROM t1", statement: "S_1"),
            Records.prepare("SELECT * FROM t3", statement: "S_3"),
        ])
        let texts = (1...3).map { builder.span(for: Records.bindExecute(statement: "S_\($0)"))?["db.query.text"] }
        #expect(texts == [.string("SELECT * FROM t1"), nil, .string("SELECT * FROM t3")])
    }

    @Test func moreConnectionsThanTheLimitForgetTheOldest() throws {
        let builder = SpanBuilder.fixed { $0.maxConnections = 2 }
        builder.spans(for: (1...3).map { Records.startup(database: "db\($0)", connection: UInt64($0)) })
        let namespaces = [3, 2, 1].map { builder.span(for: Records.query("SELECT 1", connection: $0))?["db.namespace"] }
        #expect(namespaces == [.string("db3"), .string("db2"), nil])
    }
}
