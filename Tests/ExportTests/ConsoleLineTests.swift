import Foundation
import TraceContext
import Export
import Glibc
import Spans
import Testing

/// The console line: `<time> <comm>[<pid>] <duration> <status> [rows=<n>] | <query text>`.
@Suite struct ConsoleLineTests {
    static let process = ObservedProcess(pid: 4242, command: "pgbench", resourceAttributes: [])

    func line(
        start: UInt64 = 1_795_642_774_123_456_789, durationNanoseconds: UInt64 = 302_999, status: DatabaseSpan.Status = .unset,
        name: String = "SELECT pgbench_accounts", _ attributes: [SpanAttribute]
    ) -> String {
        let span = DatabaseSpan(
            traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: name, kind: .client, startUnixNanoseconds: start,
            endUnixNanoseconds: start + durationNanoseconds, status: status,
            attributes: [.string(Attribute.dbSystemName, "postgresql")] + attributes, process: Self.process)
        var out: [UInt8] = Array("before\n".utf8)
        ConsoleLine.append(span, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func okWithRowsAndText() {
        #expect(
            line([.string(Attribute.dbQueryText, "SELECT abalance\n\tFROM pgbench_accounts"), .int(Attribute.dbResponseReturnedRows, 1)])
                == "before\n2026-11-25T21:39:34.123456Z pgbench[4242] 0.302ms OK rows=1 | SELECT abalance  FROM pgbench_accounts\n")
    }

    @Test func errorWithCodeAndMessageOnOneLine() {
        let text = line(
            durationNanoseconds: 12_345_678_901, status: .error(message: "relation \"nope\"\ndoes not exist"),
            [.string(Attribute.dbQueryText, "SELECT * FROM nope"), .string(Attribute.dbResponseStatusCode, "42P01"),
             .string(Attribute.errorType, "42P01")])
        #expect(text == "before\n2026-11-25T21:39:34.123456Z pgbench[4242] 12345.678ms ERROR 42P01 relation \"nope\" does not exist | SELECT * FROM nope\n")
    }

    @Test func errorWithoutStatusCodeUsesErrorType() {
        let text = line(status: .error(message: "connection closed"), [.string(Attribute.errorType, "connection_closed")])
        #expect(text.hasSuffix(" ERROR connection_closed connection closed | SELECT pgbench_accounts\n"))
    }

    @Test func warningCodeAndAffectedRows() {
        let text = line([.string(Attribute.dbResponseStatusCode, "01000"), .int(Attribute.tuskRowsAffected, 17),
                         .string(Attribute.dbQueryText, "UPDATE t SET a = ?")])
        #expect(text.hasSuffix(" OK 01000 rows=17 | UPDATE t SET a = ?\n"))
    }

    @Test func unknownStatementAndNameFallback() {
        #expect(line([.string(Attribute.tuskStatementName, "s1")]).hasSuffix(" OK | <statement s1: text unknown>\n"))
        #expect(line(name: "FUNCTION", []).hasSuffix(" OK | FUNCTION\n"))
    }

    @Test func timestampsPadAndHandleLeapDays() {
        #expect(line(start: 1_709_164_805_000_001_000, durationNanoseconds: 999, []).hasPrefix("before\n2024-02-29T00:00:05.000001Z pgbench[4242] 0.000ms OK"))
        #expect(line(start: 946_684_799_999_999_999, []).hasPrefix("before\n1999-12-31T23:59:59.999999Z "))
    }

    /// The sink carries a line's date and time to the next while the second stays the same.
    @Test func consecutiveLinesShareTheirSecondOnlyWhileItLasts() async throws {
        let starts: [UInt64] = [1_709_164_805_000_001_000, 1_709_164_805_500_000_000, 1_709_164_806_000_000_000, 1_709_164_805_999_999_999]
        let spans = starts.map {
            DatabaseSpan(
                traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "x", kind: .client, startUnixNanoseconds: $0,
                endUnixNanoseconds: $0 + 1000, status: .unset, attributes: [], process: Self.process)
        }
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let console = ConsoleSink(fd: fds[1], counters: PipelineCounters())
        for span in spans { console.accept(span) }
        #expect(console.endPoll() == spans.count)
        close(fds[1])
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let n = read(fds[0], &chunk, chunk.count), n > 0 { bytes += chunk[..<n] }
        let stamps = String(decoding: bytes, as: UTF8.self).split(separator: "\n").map { $0.prefix(27) }
        #expect(stamps == ["2024-02-29T00:00:05.000001Z", "2024-02-29T00:00:05.500000Z", "2024-02-29T00:00:06.000000Z", "2024-02-29T00:00:05.999999Z"])
    }

    /// Lines standard output refuses are not lost silently: they count as undeliverable, not exported.
    @Test func linesThatCannotBeWrittenCountAsUndeliverable() {
        let span = DatabaseSpan(
            traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "x", kind: .client, startUnixNanoseconds: 1,
            endUnixNanoseconds: 2, status: .unset, attributes: [], process: Self.process)
        let readOnly = open("/dev/null", O_RDONLY)  // writes fail with EBADF
        defer { close(readOnly) }
        let counters = PipelineCounters()
        let console = ConsoleSink(fd: readOnly, counters: counters)
        for _ in 0..<3 { console.accept(span) }
        #expect(console.endPoll() == 3)
        #expect(counters.droppedUndeliverable.load(ordering: .relaxed) == 3)
        #expect(counters.exported.load(ordering: .relaxed) == 0)
        // the next poll starts empty
        #expect(console.endPoll() == 0)
    }

    @Test func longTextIsWrittenWhole() {
        let long = String(repeating: "x", count: 10_000)
        #expect(line([.string(Attribute.dbQueryText, long)]).hasSuffix("| " + long + "\n"))
    }

    /// --console-format json: each line carries the resource an OTLP export would send with the
    /// span — the shared attributes, overridden by the process's own.
    @Test func jsonLinesCarryTheResource() throws {
        let process = ObservedProcess(
            pid: 42, command: "psql",
            resourceAttributes: [.string("service.name", "checkout"), .int("process.pid", 42), .string("process.executable.name", "psql")])
        let span = DatabaseSpan(
            traceID: TraceID(high: 1, low: 2), spanID: SpanID(3), name: "SELECT t", kind: .client, startUnixNanoseconds: 1,
            endUnixNanoseconds: 2, status: .unset, attributes: [.string(Attribute.dbQueryText, "SELECT 1")], process: process)
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        let resources = OTLPRequestEncoder(sharedResourceAttributes: [.string("host.name", "node-1"), .string("service.name", "shared")])
        let console = ConsoleSink(format: .json, fd: fds[1], resources: resources, counters: PipelineCounters())
        console.accept(span)
        console.accept(span)
        #expect(console.endPoll() == 2)
        close(fds[1])
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while case let n = read(fds[0], &chunk, chunk.count), n > 0 { bytes += chunk[..<n] }
        let lines = String(decoding: bytes, as: UTF8.self).split(separator: "\n")
        try #require(lines.count == 2)
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let resource = try #require(object["resource"] as? [String: Any])
            #expect(resource["service.name"] as? String == "checkout")
            #expect(resource["host.name"] as? String == "node-1")
            #expect(resource["process.pid"] as? Int == 42)
            #expect(resource["process.executable.name"] as? String == "psql")
            #expect((object["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT 1")
        }
    }
}
