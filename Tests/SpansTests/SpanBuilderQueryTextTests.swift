// db.query.text in each mode, the attributes and span name derived from the text, batches and
// truncation — and one span spelled out attribute by attribute.

import TraceContext
import KernelRecords
import QueryText
@testable import Spans
import Testing

struct SpanBuilderQueryTextTests {
    static let lookup = "SELECT * FROM users WHERE email = 'ann@example.com'"

    @Test func aSimpleQueryBecomesThisSpan() throws {
        let builder = SpanBuilder.fixed(seed: 1)
        builder.spans(for: [Records.startup(user: "app", database: "shop", application: "billing")])
        let span = try #require(builder.span(for: Records.query("SELECT name FROM users WHERE id = 42", tag: "SELECT 1", rows: 1, dataRows: 1)))
        var ids = IDGenerator(seed: 1)
        #expect(span.traceID == ids.traceID())
        #expect(span.spanID == ids.spanID())
        #expect(span.parentSpanID == nil)
        #expect(span.parentIsRemote == false)
        #expect(span.traceState == "")
        #expect(span.traceFlags == 0x03)
        #expect(span.name == "SELECT users")
        #expect(span.kind == .client)
        #expect(span.startUnixNanoseconds == 1_795_000_005_000_000_000)
        #expect(span.endUnixNanoseconds == 1_795_000_005_001_500_000)
        #expect(span.status == .unset)
        #expect(span.ownAttributes == [
            .string("db.system.name", "postgresql"),
            .string("db.query.text", "SELECT name FROM users WHERE id = ?"),
            .string("db.query.summary", "SELECT users"),
            .string("db.operation.name", "SELECT"),
            .string("db.collection.name", "users"),
            .int("db.response.returned_rows", 1),
            .int("thread.id", 4243),
        ])
        #expect(span.connectionAttributes == [
            .string("db.namespace", "shop"),
            .string("tusk.db.user", "app"),
            .string("tusk.db.application_name", "billing"),
            .string("server.address", "10.0.0.9"),
            .int("server.port", 5432),
            .string("network.peer.address", "10.0.0.9"),
            .int("network.peer.port", 5432),
            .string("network.transport", "tcp"),
        ])
        // exported in that order, the span's own first
        #expect(span.attributes == span.ownAttributes + span.connectionAttributes)
        #expect(span.process.pid == 4242)
        #expect(span.process.command == "psql")
    }

    @Test(arguments: [
        (QueryTextMode.sanitized, "SELECT * FROM users WHERE email = ?" as String?),
        (.raw, lookup),
        (.off, nil),
    ])
    func theTextModeDecidesTheTextOnly(mode: QueryTextMode, text: String?) throws {
        let builder = SpanBuilder.fixed { $0.queryText = mode }
        let span = try #require(builder.span(for: Records.query(Self.lookup, tag: "SELECT 1", dataRows: 1)))
        #expect(span["db.query.text"] == text.map { .string($0) })
        #expect(span["db.query.summary"] == .string("SELECT users"))
        #expect(span["db.operation.name"] == .string("SELECT"))
        #expect(span["db.collection.name"] == .string("users"))
        #expect(span.name == "SELECT users")
    }

    @Test func sanitizedIsTheDefault() {
        #expect(SpanBuilder.Options.default.queryText == .sanitized)
    }

    @Test func theExtendedProtocolTextIsSanitizedToo() throws {
        let span = try #require(
            SpanBuilder.fixed().span(for: Records.parseBindExecute("SELECT * FROM users WHERE id = $1 AND state = 'active'")))
        #expect(span["db.query.text"] == .string("SELECT * FROM users WHERE id = $1 AND state = ?"))
    }

    @Test func aCallNamesTheProcedure() throws {
        let span = try #require(SpanBuilder.fixed().span(for: Records.query("CALL refresh_totals(7)", tag: "CALL")))
        #expect(span["db.stored_procedure.name"] == .string("refresh_totals"))
        #expect(span["db.operation.name"] == .string("CALL"))
        #expect(span.name == "CALL refresh_totals")
    }

    @Test func aBatchOfTwoOrMoreStatementsSaysSo() throws {
        let builder = SpanBuilder.fixed()
        let batch = try #require(builder.span(for: Records.query("SELECT 1; SELECT 2", tag: "SELECT 1", rows: 2, dataRows: 2, commands: 2)))
        #expect(batch["db.operation.batch.size"] == .int(2))
        #expect(batch["tusk.batch.statements_completed"] == .int(2))
        #expect(batch["db.query.text"] == .string("SELECT ?"))
        #expect(batch.name == "BATCH SELECT")
        let single = try #require(builder.span(for: Records.query("SELECT 1;", tag: "SELECT 1", rows: 1, dataRows: 1)))
        #expect(single["db.operation.batch.size"] == nil)
        #expect(single["tusk.batch.statements_completed"] == nil)
    }

    @Test func aBatchThatFailedHalfwaySaysHowManyCompleted() throws {
        var record = Records.query("UPDATE a SET x = 1; UPDATE b SET x = 2; UPDATE c SET x = 3", tag: "UPDATE 4", rows: 4, commands: 1)
        record.flags.insert(.error)
        record.errorFields = Records.undefinedTable
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.operation.batch.size"] == .int(3))
        #expect(span["tusk.batch.statements_completed"] == .int(1))
    }

    @Test func aCaptureCutShortIsMarkedAndDescribedByWhatItKeeps() throws {
        let builder = SpanBuilder.fixed()
        builder.spans(for: [Records.startup()])
        var record = Records.request(.query, flags: [.textTruncated], text: Array("SELECT * FROM pgbench_acc".utf8))
        record.textTotal = 64
        let span = try #require(builder.span(for: record))
        #expect(span["db.query.text"] == .string("SELECT * FROM"))
        #expect(span["tusk.query.truncated"] == .bool(true))
        #expect(span["db.collection.name"] == nil)
        #expect(span.name == "shop")
    }

    @Test func aWholeCaptureIsNotMarkedTruncated() throws {
        let span = try #require(SpanBuilder.fixed().span(for: Records.query("SELECT 1", tag: "SELECT 1")))
        #expect(span["tusk.query.truncated"] == nil)
    }

    @Test func aTextLongerThanTheLimitIsCutBetweenTokens() throws {
        let builder = SpanBuilder.fixed { $0.maxQueryLength = 20 }
        let span = try #require(builder.span(for: Records.query("SELECT abalance FROM pgbench_accounts WHERE aid = 837379;")))
        #expect(span["db.query.text"] == .string("SELECT abalance FROM"))
        #expect(span["tusk.query.truncated"] == .bool(true))
        #expect(span["db.query.summary"] == .string("SELECT pgbench_accounts"))
    }

    /// Parse body cut inside the query: no NUL after the text.
    @Test func aParseCutShortIsMarked() throws {
        let span = try #require(SpanBuilder.fixed().span(for: cutParse(bind: true)))
        #expect(span["db.query.text"] == .string("SELECT * FROM"))
        #expect(span["tusk.query.truncated"] == .bool(true))
    }

    /// The statement's text is the same cut text at every execution: executing it later by name
    /// must not present the cut text as whole (its last, partial token as a name).
    @Test func aStatementPreparedFromACutParseStaysCutWhenExecutedByName() throws {
        let builder = SpanBuilder.fixed()
        let spans = builder.spans(for: [cutParse(bind: false), Records.bindExecute(statement: "S_1")])
        #expect(spans[0] == nil)
        let span = try #require(spans[1])
        #expect(span["db.query.text"] == .string("SELECT * FROM"))
        #expect(span["tusk.query.truncated"] == .bool(true))
        #expect(span["db.collection.name"] == nil)
    }

    @Test func theQueryStringEndsAtItsNul() throws {
        let record = Records.request(.query, text: Records.cStrings("SELECT 1") + Array("leftover".utf8))
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.query.text"] == .string("SELECT ?"))
    }

    /// db.query.summary first; without one, the namespace; without that, the server.
    @Test func theSpanNameFallsBackFromSummaryToNamespaceToServer() throws {
        let unparsable = "SELEC * FROM t"
        let known = SpanBuilder.fixed()
        known.spans(for: [Records.startup(database: "shop")])
        #expect(known.span(for: Records.query("SELECT * FROM t"))?.name == "SELECT t")
        #expect(known.span(for: Records.query(unparsable))?.name == "shop")
        #expect(SpanBuilder.fixed().span(for: Records.query(unparsable))?.name == "10.0.0.9:5432")
        var unix = Records.query(unparsable)
        unix.socket = .unix
        #expect(SpanBuilder.fixed().span(for: unix)?.name == "postgresql")
    }

    /// Parse of S_1 whose body the kernel cut after 25 bytes of query text (textTotal: the whole body).
    private func cutParse(bind: Bool) -> CapturedRequest {
        let body = Records.cStrings("S_1") + Array("SELECT * FROM pgbench_acc".utf8)
        var record = bind
            ? Records.request(.execute, flags: [.textTruncated, .parse, .parseComplete, .bind, .execute, .sync], text: body, names: Records.cStrings("", "S_1"))
            : Records.request(.prepare, flags: [.textTruncated, .parse, .parseComplete, .describe, .sync], text: body, names: [UInt8(ascii: "S")] + Records.cStrings("S_1"))
        record.textTotal = 80
        return record
    }
}
