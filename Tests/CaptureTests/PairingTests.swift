import Capture
import KernelRecords
import Testing
import TestSupport

import struct Foundation.Data

/// The kernel's framing and request/response pairing, fed raw protocol bytes through a real
/// socket pair and read back from the real ring buffer: split messages, many messages per
/// buffer, pipelines, errors, empty queries, a multi-megabyte result.
@Suite(.enabled(if: TestEnvironment.canRunEBPF))
struct PairingTests {
    typealias W = WireFixtures

    /// The programs are attached before any test traffic (the harness loads on first use).
    let harness: KernelHarness

    init() throws {
        harness = try KernelHarness.shared.get()
    }

    /// A connection that went through startup.
    func connected() -> SocketPair {
        let pair = SocketPair()
        pair.send(W.startup())
        pair.answer(W.startupAnswer(backendPID: 777))
        return pair
    }

    func text(_ record: CapturedRequest) -> String {
        String(decoding: record.text.prefix { $0 != 0 }, as: UTF8.self)
    }

    @Test func aSimpleQueryIsOneRecordWithItsTextRowsAndStatus() async throws {
        let pair = connected()
        let before = monotonicNanoseconds()
        pair.send(W.query("SELECT n FROM t"))
        let answered = monotonicNanoseconds()
        pair.answer(W.selectAnswer(rows: 3) + W.ready())
        let after = monotonicNanoseconds()
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        try #require(records.count == 2)
        let startup = records[0]
        #expect(startup.kind == .startup)
        #expect(startup.backendPID == 777)
        #expect(String(decoding: startup.text, as: UTF8.self).contains("database\0shop\0"))
        let query = records[1]
        #expect(query.kind == .query)
        #expect(query.outcome == .complete)
        #expect(text(query) == "SELECT n FROM t")
        #expect(query.rows == 3)
        #expect(query.dataRows == 3)
        #expect(query.completedCommands == 1)
        #expect(query.transactionStatus == UInt8(ascii: "I"))
        #expect(query.errorFields.isEmpty)
        #expect(query.socket == .unix)
        #expect(query.startNanoseconds >= before && query.startNanoseconds <= answered)
        #expect(query.endNanoseconds >= answered && query.endNanoseconds <= after)
        #expect(query.responseNanoseconds >= query.startNanoseconds && query.responseNanoseconds <= query.endNanoseconds)
    }

    @Test(arguments: [1, 2, 3, 5, 7, 13])
    func messagesSplitAcrossAnyNumberOfSyscallsStillPair(chunk: Int) async throws {
        let pair = SocketPair()
        // the startup's first 8 bytes (length, protocol) must come in one write, as every client does
        let startup = W.startup()
        pair.send(Array(startup.prefix(8)))
        pair.send(Array(startup.dropFirst(8)), chunk: chunk)
        pair.answer(W.startupAnswer(), chunk: chunk)
        pair.send(W.query("SELECT 'split' AS word"), chunk: chunk)
        pair.answer(W.selectAnswer(rows: 2) + W.ready(), chunk: chunk)
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        try #require(records.count == 2)
        #expect(text(records[1]) == "SELECT 'split' AS word")
        #expect(records[1].rows == 2)
        #expect(records[1].transactionStatus == UInt8(ascii: "I"))
    }

    @Test func theSpanEndsWhenTheResponseIsCompleteNotAtItsFirstByte() async throws {
        let pair = connected()
        pair.send(W.query("SELECT slow"))
        pair.answer(W.rowDescription(["n"]))
        let firstByte = monotonicNanoseconds()
        try await Task.sleep(for: .milliseconds(30))
        pair.answer(W.dataRow(["1"]) + W.commandComplete("SELECT 1"))
        try await Task.sleep(for: .milliseconds(30))
        let beforeReady = monotonicNanoseconds()
        pair.answer(W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.responseNanoseconds <= firstByte)
        #expect(query.endNanoseconds >= beforeReady)
    }

    @Test func severalQueriesInOneWriteArePairedInOrder() async throws {
        let pair = connected()
        pair.send(W.query("SELECT 1") + W.query("SELECT 2") + W.query("SELECT 3"))
        pair.answer(
            W.selectAnswer(rows: 1) + W.ready() + W.selectAnswer(rows: 2) + W.ready() + W.selectAnswer(rows: 3) + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 4)
        try #require(records.count == 4)
        #expect(records[1...].map(text) == ["SELECT 1", "SELECT 2", "SELECT 3"])
        #expect(records[1...].map(\.rows) == [1, 2, 3])
    }

    @Test func anErrorCarriesItsSQLState() async throws {
        let pair = connected()
        pair.send(W.query("SELECT * FROM nosuch"))
        pair.answer(W.errorResponse("42P01", "relation \"nosuch\" does not exist") + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.flags.contains(.error))
        let body = String(decoding: query.errorFields, as: UTF8.self)
        #expect(body.contains("C42P01\0"))
        #expect(body.contains("relation \"nosuch\" does not exist"))
        #expect(query.completedCommands == 0)
    }

    @Test func anEmptyQueryIsFlagged() async throws {
        let pair = connected()
        pair.send(W.query(""))
        pair.answer(W.emptyQueryResponse + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.flags.contains(.emptyQuery))
        #expect(query.outcome == .complete)
    }

    @Test func aWarningIsANoticeNotAnError() async throws {
        let pair = connected()
        pair.send(W.query("COMMIT"))
        pair.answer(W.noticeResponse("25P01", "there is no transaction in progress") + W.commandComplete("COMMIT") + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.flags.contains(.notice))
        #expect(!query.flags.contains(.error))
        #expect(String(decoding: query.errorFields, as: UTF8.self).contains("C25P01\0"))
    }

    /// Of several notices the request keeps a warning (which its span reports) over plain ones,
    /// and the first warning over later notices.
    @Test func aWarningIsKeptOverPlainNotices() async throws {
        let pair = connected()
        pair.send(W.query("DROP TABLE IF EXISTS a, b; SELECT f()"))
        pair.answer(
            W.noticeResponse("00000", "table a does not exist, skipping", severity: "NOTICE")
                + W.noticeResponse("00000", "table b does not exist, skipping", severity: "NOTICE")
                + W.commandComplete("DROP TABLE")
                + W.noticeResponse("01000", "first warning") + W.noticeResponse("00000", "later", severity: "NOTICE")
                + W.noticeResponse("01000", "second warning")
                + W.selectAnswer(rows: 1) + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.flags.contains(.notice))
        let fields = String(decoding: query.errorFields, as: UTF8.self)
        #expect(fields.contains("C01000\0Mfirst warning\0"), "\(fields)")
    }

    @Test func severalStatementsInOneQueryCountEachCompletion() async throws {
        let pair = connected()
        pair.send(W.query("BEGIN; UPDATE t SET n = 1; COMMIT"))
        pair.answer(W.commandComplete("BEGIN") + W.commandComplete("UPDATE 4") + W.commandComplete("COMMIT") + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.completedCommands == 3)
        #expect(query.rows == 4)
        #expect(String(decoding: query.tag.prefix { $0 != 0 }, as: UTF8.self) == "COMMIT")
    }

    @Test func aMultiMegabyteResultIsOneRecordEndingAtTheLastRead() async throws {
        let pair = connected()
        let rows = 200_000
        pair.send(W.query("SELECT n FROM big"))
        let answer = W.selectAnswer(rows: rows) + W.ready()
        #expect(answer.count > 2_000_000)
        pair.answer(answer, chunk: 65_536)
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2, timeout: .seconds(20))
        let query = try #require(records.last)
        #expect(query.rows == UInt64(rows))
        #expect(query.dataRows == UInt64(rows))
        #expect(query.outcome == .complete)
    }

    @Test func pipelinedExtendedRequestsEachGetTheirOwnRecord() async throws {
        let pair = connected()
        // Parse/Bind/Describe/Execute twice, one Sync (psycopg 3 pipeline, pgx batch, JDBC batch)
        let sent = monotonicNanoseconds()
        pair.send(
            W.parse("INSERT INTO t VALUES ($1)") + W.bind(parameters: ["1"]) + W.describePortal() + W.execute()
                + W.parse("SELECT n FROM t WHERE n = $1") + W.bind(parameters: ["secret-value"]) + W.describePortal() + W.execute()
                + W.sync)
        pair.answer(W.parseComplete + W.bindComplete + W.noData + W.commandComplete("INSERT 0 1"))
        try await Task.sleep(for: .milliseconds(20))
        let secondAnswered = monotonicNanoseconds()
        pair.answer(W.parseComplete + W.bindComplete + W.selectAnswer(rows: 1) + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 3)
        try #require(records.count == 3)
        let (insert, select) = (records[1], records[2])
        #expect(insert.kind == .execute && select.kind == .execute)
        #expect(insert.flags.isSuperset(of: [.parse, .bind, .describe, .execute]))
        #expect(String(decoding: insert.text, as: UTF8.self).hasPrefix("\0INSERT INTO t VALUES ($1)\0"))
        #expect(String(decoding: select.text, as: UTF8.self).hasPrefix("\0SELECT n FROM t WHERE n = $1\0"))
        #expect(insert.rows == 1 && select.rows == 1)
        #expect(insert.startNanoseconds >= sent && select.startNanoseconds >= sent)
        #expect(insert.endNanoseconds < secondAnswered, "the first ends at its own CommandComplete")
        #expect(select.endNanoseconds >= secondAnswered)
        #expect(select.flags.contains(.sync))
        // Bind parameter values never leave the kernel
        #expect(!String(decoding: select.names, as: UTF8.self).contains("secret"))
        #expect(Array(select.names.prefix(2)) == [0, 0])
    }

    /// A Bind whose parameter value is split across writes, or runs past the names field, still
    /// leaves only its names.
    @Test(arguments: [3, 9, 40, 200])
    func bindParameterValuesNeverLeaveTheKernelHoweverTheBindIsSplit(split: Int) async throws {
        let pair = connected()
        let secret = "secret-" + String(repeating: "v", count: 250)
        let bind = W.bind(statement: "S_9", parameters: [secret])
        pair.send(W.parse("SELECT $1::text", statement: "S_9"))
        pair.send(Array(bind.prefix(split)))
        pair.send(Array(bind.dropFirst(split)) + W.execute() + W.sync)
        pair.answer(W.parseComplete + W.bindComplete + W.selectAnswer(rows: 1) + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.flags.contains(.bind))
        #expect(Array(query.names.prefix(5)) == Array("\0S_9\0".utf8))
        #expect(query.names.dropFirst(5).allSatisfy { $0 == 0 }, "\(query.names)")
    }

    @Test func afterAnErrorInAPipelineTheSkippedRequestsAreReportedAsSkipped() async throws {
        let pair = connected()
        pair.send(
            W.parse("INSERT INTO t VALUES (1)") + W.bind() + W.execute()
                + W.parse("INSERT INTO t VALUES (1)") + W.bind() + W.execute()
                + W.parse("INSERT INTO t VALUES (2)") + W.bind() + W.execute()
                + W.sync)
        pair.answer(
            W.parseComplete + W.bindComplete + W.commandComplete("INSERT 0 1")
                + W.parseComplete + W.bindComplete
                + W.errorResponse("23505", "duplicate key value violates unique constraint \"t_pkey\"")
                + W.ready("I"))
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 4)
        try #require(records.count == 4)
        #expect(records[1].outcome == .complete && !records[1].flags.contains(.error))
        #expect(records[2].outcome == .complete && records[2].flags.contains(.error))
        #expect(String(decoding: records[2].errorFields, as: UTF8.self).contains("C23505\0"))
        #expect(records[3].outcome == .skipped)
    }

    @Test func aNamedStatementIsPreparedOnceAndExecutedByName() async throws {
        let pair = connected()
        pair.send(W.parse("SELECT $1::int", statement: "S_1") + W.sync)
        pair.answer(W.parseComplete + W.ready())
        pair.send(W.bind(statement: "S_1", parameters: ["7"]) + W.execute() + W.sync)
        pair.answer(W.bindComplete + W.dataRow(["7"]) + W.commandComplete("SELECT 1") + W.ready())
        pair.send(W.closeStatement("S_1") + W.sync)
        pair.answer(W.closeComplete + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 4)
        try #require(records.count == 4)
        #expect(records[1].kind == .prepare)
        #expect(records[1].outcome == .complete)
        #expect(String(decoding: records[1].text, as: UTF8.self).hasPrefix("S_1\0SELECT $1::int\0"))
        #expect(records[2].kind == .execute)
        #expect(!records[2].flags.contains(.parse))
        #expect(Array(records[2].names.prefix(5)) == [0] + Array("S_1".utf8) + [0])
        #expect(records[2].rows == 1)
        #expect(records[3].kind == .close)
        #expect(Array(records[3].names.prefix(5)) == Array("SS_1".utf8) + [0])
    }

    @Test func copyFromStdinIsOneRequest() async throws {
        let pair = connected()
        pair.send(W.query("COPY t FROM STDIN"))
        pair.answer(W.copyInResponse)
        pair.send(W.copyData("1\n") + W.copyData("2\n") + W.copyDone)
        pair.answer(W.commandComplete("COPY 2") + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let copy = try #require(records.last)
        #expect(copy.flags.contains(.copy))
        #expect(copy.rows == 2)
    }

    @Test func aConnectionKilledMidQueryEndsItsRequestAsAborted() async throws {
        let pair = connected()
        pair.send(W.query("SELECT pg_sleep(60)"))
        pair.answer(W.errorResponse("57P01", "terminating connection due to administrator command", severity: "FATAL"))
        pair.serverCloses()
        let records = await harness.records(fd: pair.client, since: pair.created) {
            $0.contains { $0.kind == .connectionEnd }
        }
        let query = try #require(records.first { $0.kind == .query })
        #expect(query.outcome == .aborted)
        #expect(String(decoding: query.errorFields, as: UTF8.self).contains("C57P01\0"))
        #expect(records.last?.kind == .connectionEnd)
    }

    @Test func aQueryLongerThanTheCaptureIsTruncatedAndSaysSo() async throws {
        let pair = connected()
        let long = "SELECT '" + String(repeating: "x", count: 5000) + "'"
        pair.send(W.query(long), chunk: 1500)
        pair.answer(W.selectAnswer(rows: 1) + W.ready())
        let records = await harness.requests(fd: pair.client, since: pair.created, count: 2)
        let query = try #require(records.last)
        #expect(query.textTotal == long.utf8.count + 1)
        #expect(query.text.count == 1024 + 64)  // max query bytes + room for a statement name
        #expect(query.text == Array(long.utf8.prefix(query.text.count)))
    }

    @Test func bytesThatAreNotPostgreSQLProduceNothing() async throws {
        let pair = SocketPair()
        pair.send(Array("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8))
        pair.answer(Array("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n".utf8))
        // Q-prefixed garbage with an absurd length
        pair.send(Array("Quit now please".utf8))
        pair.answer(Array("bye".utf8))
        // a real connection after them: once its startup's record is read, any record of the
        // bytes above (written earlier into the same ring buffer) has been read too
        let marker = connected()
        try #require(await harness.requests(fd: marker.client, since: marker.created, count: 1).count == 1)
        let records = await harness.records(fd: pair.client, since: pair.created, timeout: .zero) { _ in true }
        #expect(records.isEmpty)
    }

    @Test func garbageAfterStartupDropsTheConnectionWithoutASpan() async throws {
        let pair = connected()
        pair.send(W.query("SELECT 1"))
        pair.answer(Array("\u{7}\u{0}garbage that is not a backend message".utf8))
        let records = await harness.records(fd: pair.client, since: pair.created) {
            $0.contains { $0.kind == .connectionEnd }
        }
        let query = try #require(records.first { $0.kind == .query })
        #expect(query.outcome == .desync)
    }
}

