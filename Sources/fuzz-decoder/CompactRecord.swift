// A record layout for mutation: every field of `CapturedRequest` from a few bytes, so that most
// mutations of a meaningful record still mean something (unlike the 592-byte kernel image, where
// almost every mutation lands in zero padding).

import KernelRecords

/// One request in compact form. Fields in order, integers little-endian:
///
/// ```
/// +------+---------+-------+------+--------+----------+----+------+-----------+-------+-----+
/// | kind | outcome | flags | conn | socket | commands | tx | rows | data rows | start | end |
/// | u8   | u8      | u16   | u8   | u8     | u16      | u8 | u64  | u64       | u64   | u64 |
/// +------+---------+-------+------+--------+----------+----+------+-----------+-------+-----+
/// +------------+-----------+------------+------------+---------+-----------+-----------+----------+
/// | local port | peer port | local addr | peer addr  | tag len | error len | names len | text len |
/// | u16        | u16       | 16 bytes   | 16 bytes   | u8      | u16       | u8        | u16      |
/// +------------+-----------+------------+------------+---------+-----------+-----------+----------+
/// then tag, error fields, names and text, each as long as its length says (cut to the kernel's caps)
/// ```
/// kind: 1 + byte % 7 · outcome: byte % 8, 5…7 meaning complete · conn: byte % 4 (a few
/// connections share state) · socket: role in bits 0–1, family in bits 2–3 (unknown, unix, IPv4, IPv6).
enum CompactRecord {
    static let tagCap = 64
    static let errorCap = 256
    static let namesCap = 128
    static let textCap = 16384 + 64

    static func decode(_ reader: inout ByteReader) -> CapturedRequest {
        let kind = CapturedRequest.Kind(rawValue: 1 + UInt16(reader.integer(UInt8.self) % 7))!
        let outcome = CapturedRequest.Outcome(rawValue: reader.integer(UInt8.self) % 8) ?? .complete
        let flags = CapturedRequest.Flags(rawValue: UInt32(reader.integer(UInt16.self)))
        let connection = UInt64(reader.integer(UInt8.self) % 4)
        let socketByte = reader.integer(UInt8.self)
        let commands = reader.integer(UInt16.self)
        let transactionStatus = reader.integer(UInt8.self)
        let rows = reader.integer(UInt64.self)
        let dataRows = reader.integer(UInt64.self)
        let start = reader.integer(UInt64.self)
        let end = reader.integer(UInt64.self)
        let localPort = reader.integer(UInt16.self)
        let peerPort = reader.integer(UInt16.self)
        let local = reader.run(16)
        let peer = reader.run(16)
        let tagLength = min(Int(reader.integer(UInt8.self)), tagCap)
        let errorLength = min(Int(reader.integer(UInt16.self)), errorCap)
        let namesLength = min(Int(reader.integer(UInt8.self)), namesCap)
        let textLength = min(Int(reader.integer(UInt16.self)), textCap)
        let tag = reader.run(tagLength)
        let errorFields = reader.run(errorLength)
        let names = reader.run(namesLength)
        let text = reader.run(textLength)
        return CapturedRequest(
            kind: kind, outcome: outcome, flags: flags, startNanoseconds: start, endNanoseconds: end,
            responseNanoseconds: start, connectionID: connection, pid: 100 + Int32(connection), tid: 200,
            fd: Int32(connection), rows: rows, dataRows: dataRows, completedCommands: commands,
            transactionStatus: transactionStatus, role: CapturedRequest.Role(rawValue: socketByte & 3) ?? .unknown,
            socket: socket(family: socketByte >> 2 & 3, local: local, localPort: localPort, peer: peer, peerPort: peerPort),
            threadName: "fuzz\(connection)", text: text, textTotal: text.count + (flags.contains(.textTruncated) ? 100 : 0),
            tag: tag, errorFields: errorFields, names: names)
    }

    static func encode(_ record: CapturedRequest) -> [UInt8] {
        var writer = ByteWriter()
        writer.integer(UInt8(record.kind.rawValue - 1))
        writer.integer(record.outcome.rawValue)
        writer.integer(UInt16(truncatingIfNeeded: record.flags.rawValue))
        writer.integer(UInt8(truncatingIfNeeded: record.connectionID % 4))
        var family: UInt8 = 0
        var local: [UInt8] = []
        var peer: [UInt8] = []
        var ports: (UInt16, UInt16) = (0, 0)
        switch record.socket {
        case .unknown: family = 0
        case .unix: family = 1
        case .inet(let l, let lp, let p, let pp):
            family = l.count == 4 ? 2 : 3
            (local, peer, ports) = (l, p, (lp, pp))
        }
        writer.integer(record.role.rawValue | family << 2)
        writer.integer(record.completedCommands)
        writer.integer(record.transactionStatus)
        writer.integer(record.rows)
        writer.integer(record.dataRows)
        writer.integer(record.startNanoseconds)
        writer.integer(record.endNanoseconds)
        writer.integer(ports.0)
        writer.integer(ports.1)
        writer.run(padded(local))
        writer.run(padded(peer))
        writer.integer(UInt8(record.tag.count))
        writer.integer(UInt16(record.errorFields.count))
        writer.integer(UInt8(record.names.count))
        writer.integer(UInt16(record.text.count))
        writer.run(record.tag)
        writer.run(record.errorFields)
        writer.run(record.names)
        writer.run(record.text)
        return writer.bytes
    }

    private static func socket(family: UInt8, local: [UInt8], localPort: UInt16, peer: [UInt8], peerPort: UInt16) -> SocketAddress {
        switch family {
        case 1: return .unix
        case 2: return .inet(local: Array(padded(local).prefix(4)), localPort: localPort, peer: Array(padded(peer).prefix(4)), peerPort: peerPort)
        case 3: return .inet(local: padded(local), localPort: localPort, peer: padded(peer), peerPort: peerPort)
        default: return .unknown
        }
    }

    private static func padded(_ address: [UInt8]) -> [UInt8] {
        address + [UInt8](repeating: 0, count: max(0, 16 - address.count))
    }
}
