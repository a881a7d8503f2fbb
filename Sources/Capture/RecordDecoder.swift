import CTuskBPF

/// `struct tusk_record` bytes from the ring buffer → `CapturedRequest`.
public enum RecordDecoder {
    /// Size of the fixed part of a record; query text follows it.
    public static let headerSize = MemoryLayout<tusk_record>.size

    public static func decode(_ bytes: UnsafeRawBufferPointer) -> CapturedRequest? {
        var sockets = SocketMemo()
        return decode(bytes, sockets: &sockets)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, sockets: inout SocketMemo) -> CapturedRequest? {
        guard bytes.count >= headerSize, let base = bytes.baseAddress else { return nil }
        let r = base.loadUnaligned(as: tusk_record.self)
        guard let kind = CapturedRequest.Kind(rawValue: r.kind),
            let outcome = CapturedRequest.Outcome(rawValue: r.outcome)
        else { return nil }
        let textLength = min(Int(r.text_len), bytes.count - headerSize)
        let text = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[headerSize..<headerSize + textLength]))
        return CapturedRequest(
            kind: kind,
            outcome: outcome,
            flags: CapturedRequest.Flags(rawValue: r.flags),
            startNanoseconds: r.start_ns,
            endNanoseconds: r.end_ns,
            responseNanoseconds: r.response_ns,
            connectionID: r.conn_id,
            pid: Int32(bitPattern: r.pid),
            tid: Int32(bitPattern: r.tid),
            fd: Int32(bitPattern: r.fd),
            sequence: r.seq,
            rows: r.rows,
            dataRows: r.data_rows,
            commands: r.commands,
            transactionStatus: r.tx_status,
            backendPID: r.backend_pid,
            role: CapturedRequest.Role(rawValue: r.role) ?? .unknown,
            socket: sockets.socket(connection: r.conn_id) { socket(r) },
            command: command(r.comm),
            text: text,
            textTotal: Int(r.text_total),
            tag: field(r.tag, length: Int(r.tag_len)),
            errorFields: field(r.error, length: Int(r.error_len)),
            names: field(r.names, length: Int(r.names_len)))
    }

    private static func socket(_ r: tusk_record) -> SocketAddress {
        switch Int32(r.family) {
        case AF_UNIX_VALUE: return .unix
        case AF_INET_VALUE:
            return .inet(
                local: field(r.local_addr, length: 4), localPort: r.local_port,
                peer: field(r.peer_addr, length: 4), peerPort: r.peer_port)
        case AF_INET6_VALUE:
            return .inet(
                local: field(r.local_addr, length: 16), localPort: r.local_port,
                peer: field(r.peer_addr, length: 16), peerPort: r.peer_port)
        default: return .unknown
        }
    }

    /// The thread's name up to its NUL, with no array in between (it fits a small string).
    private static func command<T>(_ tuple: T) -> String {
        withUnsafeBytes(of: tuple) { raw in
            String(decoding: UnsafeRawBufferPointer(rebasing: raw[..<(raw.firstIndex(of: 0) ?? raw.count)]), as: UTF8.self)
        }
    }

    /// The first `length` bytes of a fixed C array (imported as a tuple).
    private static func field<T>(_ tuple: T, length: Int) -> [UInt8] {
        withUnsafeBytes(of: tuple) { raw in
            [UInt8](raw.prefix(max(0, min(length, raw.count))))
        }
    }
}

private let AF_UNIX_VALUE: Int32 = 1
private let AF_INET_VALUE: Int32 = 2
private let AF_INET6_VALUE: Int32 = 10
