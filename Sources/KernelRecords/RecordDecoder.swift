import CTuskRecord

/// `struct tusk_record` bytes from the ring buffer → `CapturedRequest`.
public enum RecordDecoder {
    /// Size of the fixed part of a record; query text follows it.
    public static let headerSize = MemoryLayout<tusk_record>.size

    public static func decode(_ bytes: UnsafeRawBufferPointer) -> CapturedRequest? {
        var sockets = SocketMemo()
        return decode(bytes, sockets: &sockets)
    }

    package static func decode(_ bytes: UnsafeRawBufferPointer, sockets: inout SocketMemo) -> CapturedRequest? {
        guard bytes.count >= headerSize, let base = bytes.baseAddress else { return nil }
        // Fields are read where they lie, one by one: loading the whole fixed part into a value
        // per record shows in profiles.
        let r = Fields(base)
        guard let kind = CapturedRequest.Kind(rawValue: r.kind), let outcome = CapturedRequest.Outcome(rawValue: r.outcome)
        else { return nil }
        let textLength = min(Int(r.textLength), bytes.count - headerSize)
        let text = [UInt8](UnsafeRawBufferPointer(rebasing: bytes[headerSize..<headerSize + textLength]))
        return CapturedRequest(
            kind: kind,
            outcome: outcome,
            flags: CapturedRequest.Flags(rawValue: r.load(\.flags)),
            startNanoseconds: r.load(\.start_ns),
            endNanoseconds: r.load(\.end_ns),
            responseNanoseconds: r.load(\.response_ns),
            connectionID: r.connectionID,
            pid: Int32(bitPattern: r.load(\.pid)),
            tid: Int32(bitPattern: r.load(\.tid)),
            fd: Int32(bitPattern: r.load(\.fd)),
            sequence: r.load(\.seq),
            rows: r.load(\.rows),
            dataRows: r.load(\.data_rows),
            completedCommands: r.load(\.commands),
            transactionStatus: r.load(\.tx_status),
            backendPID: r.load(\.backend_pid),
            functionOID: r.load(\.function_oid),
            role: CapturedRequest.Role(rawValue: r.load(\.role)) ?? .unknown,
            socket: sockets.socket(connection: r.connectionID) { socket(r) },
            threadName: r.threadName,
            text: text,
            textTotal: Int(r.load(\.text_total) as UInt32),
            tag: r.bytes(\.tag, count: Int(r.load(\.tag_len) as UInt16)),
            errorFields: r.bytes(\.error, count: Int(r.load(\.error_len) as UInt16)),
            names: r.bytes(\.names, count: Int(r.load(\.names_len) as UInt16)),
            applicationName: r.applicationName,
            argumentsLength: Int(r.load(\.args_len) as UInt16),
            cgroupID: r.load(\.cgroup_id))
    }

    /// The fixed part of a record where it lies (any alignment).
    private struct Fields {
        let base: UnsafeRawPointer

        init(_ base: UnsafeRawPointer) { self.base = base }

        /// A scalar field. The key path is a literal: the optimizer folds its offset to a constant.
        @inline(__always)
        func load<T: BitwiseCopyable>(_ field: KeyPath<tusk_record, T>) -> T {
            base.loadUnaligned(fromByteOffset: MemoryLayout<tusk_record>.offset(of: field)!, as: T.self)
        }

        var kind: UInt16 { load(\.kind) }
        var outcome: UInt8 { load(\.outcome) }
        var textLength: UInt16 { load(\.text_len) }
        var connectionID: UInt64 { load(\.conn_id) }

        /// The first `count` bytes of a fixed C array field (imported as a tuple).
        @inline(__always)
        func bytes<T>(_ field: KeyPath<tusk_record, T>, count: Int) -> [UInt8] {
            guard count > 0 else { return [] }
            let start = base + MemoryLayout<tusk_record>.offset(of: field)!
            return [UInt8](UnsafeRawBufferPointer(start: start, count: min(count, MemoryLayout<T>.size)))
        }

        /// The value of the application_name ParameterStatus the record holds (name\0value\0), if
        /// the kernel flagged one.
        var applicationName: String? {
            let flags = CapturedRequest.Flags(rawValue: load(\.flags))
            guard flags.contains(.applicationName) else { return nil }
            let field = bytes(\.parameter, count: Int(load(\.parameter_len) as UInt16))
            guard let nameEnd = field.firstIndex(of: 0) else { return nil }
            let value = field[(nameEnd + 1)...]
            return String(decoding: value[..<(value.firstIndex(of: 0) ?? value.endIndex)], as: UTF8.self)
        }

        /// The thread's name up to its NUL, with no array in between (it fits a small string).
        var threadName: String {
            let raw = UnsafeRawBufferPointer(start: base + MemoryLayout<tusk_record>.offset(of: \.comm)!, count: Int(TUSK_COMM_LEN))
            return String(decoding: UnsafeRawBufferPointer(rebasing: raw[..<(raw.firstIndex(of: 0) ?? raw.count)]), as: UTF8.self)
        }
    }

    private static func socket(_ r: Fields) -> SocketAddress {
        let length: Int
        switch Int32(r.load(\.family)) {
        case AF_UNIX_VALUE: return .unix
        case AF_INET_VALUE: length = 4
        case AF_INET6_VALUE: length = 16
        default: return .unknown
        }
        return .inet(
            local: r.bytes(\.local_addr, count: length), localPort: r.load(\.local_port),
            peer: r.bytes(\.peer_addr, count: length), peerPort: r.load(\.peer_port))
    }
}

private let AF_UNIX_VALUE: Int32 = 1
private let AF_INET_VALUE: Int32 = 2
private let AF_INET6_VALUE: Int32 = 10
