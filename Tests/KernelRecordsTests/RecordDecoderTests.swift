import KernelRecords
import Testing
import TestSupport

/// A record as the kernel lays it out decodes to what was put in: decode(encode(r)) == r, for
/// every field and every kind of socket.
struct RecordDecoderTests {
    static let records: [CapturedRequest] = [
        CapturedRequest(
            kind: .startup, startNanoseconds: 10, endNanoseconds: 20, responseNanoseconds: 15, connectionID: 1, pid: 42,
            tid: 43, fd: 7, sequence: 0, transactionStatus: UInt8(ascii: "I"), backendPID: 777, role: .client,
            socket: .unix, threadName: "psql", text: Array("user\0tusk\0database\0shop\0\0".utf8), textTotal: 25),
        CapturedRequest(
            kind: .query, outcome: .complete, flags: [.error], startNanoseconds: 1_000, endNanoseconds: 9_000,
            responseNanoseconds: 5_000, connectionID: .max, pid: .max, tid: -1, fd: 3, sequence: .max, rows: .max,
            dataRows: 12, completedCommands: 2, transactionStatus: UInt8(ascii: "E"), role: .server,
            socket: .inet(local: [127, 0, 0, 1], localPort: 5432, peer: [10, 1, 2, 3], peerPort: 40_001),
            threadName: "postgres", text: Array("SELECT 1; SELECT * FROM nosuch\0".utf8), textTotal: 31,
            tag: Array("SELECT 1\0".utf8), errorFields: Array("SERROR\0VERROR\0C42P01\0Mmissing\0\0".utf8)),
        CapturedRequest(
            kind: .execute, outcome: .skipped, flags: [.parse, .bind, .describe, .execute, .sync, .textTruncated],
            connectionID: 9, socket: .inet(local: Array(repeating: 1, count: 16), localPort: 1, peer: Array(repeating: 0xfe, count: 16), peerPort: 65_535),
            threadName: "fifteen-chars-x", text: Array(repeating: UInt8(ascii: "x"), count: 2_000), textTotal: 100_000,
            names: Array("portal\0stmt\0".utf8)),
        CapturedRequest(kind: .functionCall, connectionID: 3, functionOID: 954, threadName: "python3"),
        CapturedRequest(
            kind: .query, flags: [.applicationName], connectionID: 4, text: Array("SET application_name = 'x'\0".utf8),
            textTotal: 27, tag: Array("SET\0".utf8), applicationName: "billing worker"),
        CapturedRequest(
            kind: .process, pid: 55, tid: 56, threadName: "psql", text: Array("psql\0-c\0HOME=/\0".utf8), textTotal: 15,
            argumentsLength: 8),
        CapturedRequest(kind: .connectionEnd, outcome: .aborted, connectionID: 5, pid: 1, fd: 9, sequence: 4, role: .client),
        CapturedRequest(kind: .close, outcome: .desync, socket: .unknown, names: Array("\0S_1\0".utf8)),
        // the TLS discovery's: a libssl mapped, a program started (inode and device), an unseen connection
        CapturedRequest(kind: .library, pid: 61, tid: 61, rows: 5_481_040, dataRows: 0xfe0_0000, threadName: "python3", cgroupID: 7),
        CapturedRequest(kind: .program, pid: 62, tid: 62, rows: 4_907_021, dataRows: 0xfe0_0000, threadName: "node"),
        CapturedRequest(kind: .tlsUnseen, connectionID: 9, pid: 63, tid: 64, fd: 5, role: .client, threadName: "java"),
    ]

    @Test(arguments: records.indices)
    func aRecordDecodesToWhatWasEncoded(index: Int) {
        let record = Self.records[index]
        let image = RecordImage.encode(record)
        #expect(image.count == RecordDecoder.headerSize + record.text.count)
        let decoded = image.withUnsafeBytes { RecordDecoder.decode($0) }
        #expect(decoded == record)
    }

    /// Bytes that cannot be a record decode to nothing rather than to a wrong one.
    @Test func shortRecordsAndUnknownKindsDecodeToNothing() {
        let image = RecordImage.encode(Self.records[1])
        #expect(image.prefix(RecordDecoder.headerSize - 1).withUnsafeBytes { RecordDecoder.decode(UnsafeRawBufferPointer($0)) } == nil)
        var unknownKind = CapturedRequest(kind: .query)
        unknownKind.text = []
        var bytes = RecordImage.encode(unknownKind)
        bytes[RecordImage.kindOffset] = 99
        #expect(bytes.withUnsafeBytes { RecordDecoder.decode($0) } == nil)
    }
}
