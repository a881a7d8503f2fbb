// Row counts: rows returned come from the DataRow messages, rows affected from the CommandComplete
// counts; a failed request reports neither.

import KernelRecords
import Glibc
@testable import Spans
import Testing

struct SpanBuilderRowTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var sql: String
        var tag: String
        var rows: UInt64
        var dataRows: UInt64
        var returned: Int64?
        var affected: Int64?
        var testDescription: String { tag.isEmpty ? sql : tag }
    }

    @Test(arguments: [
        Case(sql: "SELECT * FROM t", tag: "SELECT 3", rows: 3, dataRows: 3, returned: 3, affected: nil),
        Case(sql: "SELECT * FROM t WHERE false", tag: "SELECT 0", rows: 0, dataRows: 0, returned: 0, affected: nil),
        Case(sql: "FETCH 5 FROM c", tag: "FETCH 5", rows: 5, dataRows: 5, returned: 5, affected: nil),
        Case(sql: "INSERT INTO t VALUES (1), (2)", tag: "INSERT 0 2", rows: 2, dataRows: 0, returned: nil, affected: 2),
        Case(sql: "UPDATE t SET x = 1", tag: "UPDATE 5", rows: 5, dataRows: 0, returned: nil, affected: 5),
        Case(sql: "DELETE FROM t WHERE x = 9", tag: "DELETE 0", rows: 0, dataRows: 0, returned: nil, affected: 0),
        Case(sql: "MERGE INTO t USING u ON t.id = u.id WHEN MATCHED THEN DELETE", tag: "MERGE 4", rows: 4, dataRows: 0, returned: nil, affected: 4),
        Case(sql: "COPY t FROM STDIN", tag: "COPY 1000", rows: 1000, dataRows: 0, returned: nil, affected: 1000),
        // RETURNING: rows come back and rows changed
        Case(sql: "DELETE FROM t RETURNING id", tag: "DELETE 2", rows: 2, dataRows: 2, returned: 2, affected: 2),
        Case(sql: "CREATE TABLE t (id int)", tag: "CREATE TABLE", rows: 0, dataRows: 0, returned: nil, affected: nil),
        Case(sql: "BEGIN", tag: "BEGIN", rows: 0, dataRows: 0, returned: nil, affected: nil),
        // a multi-statement Query: the kernel sums the counts, the tag is the last one's
        Case(sql: "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2); INSERT INTO t VALUES (3)", tag: "INSERT 0 1", rows: 3, dataRows: 0, returned: nil, affected: 3),
        // SHOW and EXPLAIN return rows with a tag that counts none
        Case(sql: "SHOW work_mem", tag: "SHOW", rows: 0, dataRows: 1, returned: 1, affected: nil),
    ])
    func rowCountsFollowTheCommandTag(_ row: Case) throws {
        let span = try #require(
            SpanBuilder.fixed().span(for: Records.query(row.sql, tag: row.tag, rows: row.rows, dataRows: row.dataRows)))
        #expect(span["db.response.returned_rows"] == row.returned.map { .int($0) })
        #expect(span["tusk.rows_affected"] == row.affected.map { .int($0) })
    }

    @Test func aFailedRequestReportsNoRows() throws {
        // SELECT 1 completed and returned its row, then the second statement failed
        var record = Records.query("SELECT 1; SELECT * FROM nosuch", tag: "SELECT 1", rows: 1, dataRows: 1, commands: 1)
        record.flags.insert(.error)
        record.errorFields = Records.undefinedTable
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.response.returned_rows"] == nil)
        #expect(span["tusk.rows_affected"] == nil)
        #expect(span["tusk.batch.statements_completed"] == .int(1))
    }

    @Test(arguments: [CapturedRequest.Outcome.skipped, .aborted])
    func anUnfinishedRequestReportsNoRows(outcome: CapturedRequest.Outcome) throws {
        var record = Records.query("SELECT * FROM big", tag: "", rows: 0, dataRows: 700)
        record.outcome = outcome
        let span = try #require(SpanBuilder.fixed().span(for: record))
        #expect(span["db.response.returned_rows"] == nil)
        #expect(span["tusk.rows_affected"] == nil)
    }

    /// The kernel's counters are unsigned 64-bit; a count beyond Int64 must not bring the agent
    /// down (a corrupt record is still a record): it is clamped like the affected-row count.
    @Test func hugeRowCountsAreClamped() async {
        await #expect(processExitsWith: .success) {
            let builder = SpanBuilder.fixed()
            let returned = builder.span(for: Records.query("SELECT * FROM t", tag: "SELECT 1", rows: 1, dataRows: .max))
            let affected = builder.span(for: Records.query("UPDATE t SET x = 1", tag: "UPDATE 1", rows: .max))
            guard returned?["db.response.returned_rows"] == .int(.max), affected?["tusk.rows_affected"] == .int(.max)
            else { exit(1) }
        }
    }
}
