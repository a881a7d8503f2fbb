// How a request ended becomes the span's status, db.response.status_code and error.type; records
// that cannot be trusted become no span at all, and are counted.

import KernelRecords
@testable import Spans
import Testing

struct SpanBuilderStatusTests {
    @Test func anErrorResponseSetsTheStatusCodeErrorTypeAndMessage() throws {
        var record = Records.query("SELECT * FROM nosuch")
        record.flags.insert(.error)
        record.errorFields = Records.undefinedTable
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.response.status_code"] == .string("42P01"))
        #expect(span["error.type"] == .string("42P01"))
        #expect(span.status == .error(message: "relation \"nosuch\" does not exist"))
    }

    /// The capture holds a prefix of the ErrorResponse: what arrived is what is reported.
    @Test(arguments: [
        (Records.errorBody(["S": "FATAL", "V": "FATAL"]), "ERROR", "ERROR"),
        (Array("SERROR\0VERROR\0C23505\0Mduplicate key val".utf8), "23505", "duplicate key val"),
        (Array("SERROR\0VERROR\0C235".utf8), "ERROR", "ERROR"),
    ])
    func anErrorResponseCutShortKeepsWhatArrived(body: [UInt8], code: String, message: String) throws {
        var record = Records.query("INSERT INTO t VALUES (1)")
        record.flags.insert(.error)
        record.errorFields = body
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.response.status_code"] == .string(code))
        #expect(span["error.type"] == .string(code))
        #expect(span.status == .error(message: message))
    }

    /// A NoticeResponse (no ErrorResponse seen) never fails the request: the command completed.
    /// A warning reports its SQLSTATE; anything milder reports nothing.
    @Test(arguments: [
        // ROLLBACK outside a transaction block
        (Records.errorBody(["S": "WARNING", "V": "WARNING", "C": "25P01", "M": "there is no transaction in progress"]), "25P01" as String?),
        (Records.errorBody(["S": "WARNING", "V": "WARNING", "C": "01000", "M": "something to know"]), "01000"),
        (Records.errorBody(["S": "WARNING", "V": "WARNING", "C": "01P01", "M": "deprecated feature"]), "01P01"),
        (Records.errorBody(["S": "NOTICE", "V": "NOTICE", "C": "00000", "M": "table \"t\" does not exist, skipping"]), nil),
        // CREATE TABLE IF NOT EXISTS of a table that exists
        (Records.errorBody(["S": "NOTICE", "V": "NOTICE", "C": "42P07", "M": "relation \"t\" already exists, skipping"]), nil),
        // a localized server: only 'S' and the SQLSTATE are readable
        (Records.errorBody(["S": "HINWEIS", "C": "42P07", "M": "Relation »t« existiert bereits, wird übersprungen"]), nil),
    ])
    func aNoticeIsNeverAnError(notice: [UInt8], code: String?) throws {
        var record = Records.query("CREATE TABLE IF NOT EXISTS t (id int)", tag: "CREATE TABLE")
        record.flags.insert(.notice)
        record.errorFields = notice
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span.status == .unset)
        #expect(span["error.type"] == nil)
        #expect(span["db.response.status_code"] == code.map { .string($0) })
    }

    @Test func aWarningKeepsTheRowCounts() throws {
        var record = Records.query("SELECT * FROM t", tag: "SELECT 2", rows: 2, dataRows: 2)
        record.flags.insert(.notice)
        record.errorFields = Records.errorBody(["S": "WARNING", "V": "WARNING", "C": "01000", "M": "careful"])
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.response.status_code"] == .string("01000"))
        #expect(span["db.response.returned_rows"] == .int(2))
        #expect(span.status == .unset)
    }

    @Test(arguments: ["00000", "01000", "01003"])
    func classesZeroZeroAndZeroOneInAnErrorFieldBodyAreNotErrors(code: String) throws {
        var record = Records.query("SELECT 1", tag: "SELECT 1", rows: 1, dataRows: 1)
        record.errorFields = Records.errorBody(["S": "NOTICE", "C": code, "M": "m"])
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span.status == .unset)
        #expect(span["error.type"] == nil)
    }

    @Test func aSuccessfulRequestHasNoStatusAttributes() throws {
        let span = try #require(SpanBuilder.fixed().span(for: Records.query("SELECT 1", tag: "SELECT 1", rows: 1, dataRows: 1)))
        #expect(span.status == .unset)
        #expect(span["db.response.status_code"] == nil)
        #expect(span["error.type"] == nil)
    }

    @Test func aSkippedRequestIsAnErrorOfTypeSkipped() throws {
        var record = Records.bindExecute(statement: "", tag: "", dataRows: 0)
        record.outcome = .skipped
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["error.type"] == .string("skipped"))
        #expect(span["db.response.status_code"] == nil)
        #expect(span.status == .error(message: "not executed: an earlier request in the pipeline failed"))
    }

    @Test func anAbortedRequestWithoutAnErrorIsAClosedConnection() throws {
        var record = Records.query("SELECT pg_sleep(10)", tag: "")
        record.outcome = .aborted
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["error.type"] == .string("connection_closed"))
        #expect(span.status == .error(message: "the connection ended before the response was complete"))
    }

    @Test func anAbortedRequestWithAnErrorReportsTheError() throws {
        var record = Records.query("SELECT pg_sleep(10)", tag: "")
        record.outcome = .aborted
        record.flags.insert(.error)
        record.errorFields = Records.errorBody([
            "S": "FATAL", "V": "FATAL", "C": "57P01", "M": "terminating connection due to administrator command",
        ])
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["error.type"] == .string("57P01"))
        #expect(span["db.response.status_code"] == .string("57P01"))
        #expect(span.attributes.filter { $0.key == "error.type" }.count == 1)
        #expect(span.status == .error(message: "terminating connection due to administrator command"))
    }

    /// The kernel gave up tracking these (its counters say so on /metrics): no span, and nothing
    /// counted twice here.
    @Test(arguments: [CapturedRequest.Outcome.desync, .overflow])
    func untrustedRecordsMakeNoSpan(outcome: CapturedRequest.Outcome) {
        let builder = SpanBuilder.fixed()
        var record = Records.query("SELECT 1", tag: "SELECT 1")
        record.outcome = outcome
        #expect(builder.span(for: record) == nil)
        #expect(builder.span(for: record) == nil)
        #expect(builder.counters == SpanBuilder.Counters())
    }

    /// Only the record is dropped: the statements the connection prepared before it are still the
    /// server's, and still known.
    @Test func aDesyncRecordLeavesTheConnectionState() throws {
        let builder = SpanBuilder.fixed()
        var desync = Records.request(.execute)
        desync.outcome = .desync
        builder.spans(for: [Records.startup(), Records.prepare("SELECT * FROM t", statement: "S_1"), desync])
        let span = try #require(builder.span(for: Records.bindExecute(statement: "S_1")))
        #expect(span["db.query.text"] == .string("SELECT * FROM t"))
        #expect(span["db.namespace"] == .string("shop"))
    }
}
