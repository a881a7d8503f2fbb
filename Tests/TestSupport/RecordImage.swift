import CTuskRecord
import KernelRecords

/// `struct tusk_record` images, laid out by the C header itself (bpf/tusk_record.h): the bytes
/// the ring buffer would hold for a record, for the fuzzer's seed corpus and decoding tests.
public enum RecordImage {
    public static func encode(_ record: CapturedRequest) -> [UInt8] {
        var raw = tusk_record()
        raw.start_ns = record.startNanoseconds
        raw.end_ns = record.endNanoseconds
        raw.response_ns = record.responseNanoseconds
        raw.conn_id = record.connectionID
        raw.rows = record.rows
        raw.data_rows = record.dataRows
        raw.cgroup_id = record.cgroupID
        raw.pid = UInt32(bitPattern: record.pid)
        raw.tid = UInt32(bitPattern: record.tid)
        raw.fd = UInt32(bitPattern: record.fd)
        raw.seq = record.sequence
        raw.flags = record.flags.rawValue
        raw.text_total = UInt32(record.textTotal)
        raw.backend_pid = record.backendPID
        raw.function_oid = record.functionOID
        raw.args_len = UInt16(record.argumentsLength)
        raw.kind = record.kind.rawValue
        raw.commands = record.completedCommands
        raw.text_len = UInt16(record.text.count)
        raw.outcome = record.outcome.rawValue
        raw.tx_status = record.transactionStatus
        raw.role = record.role.rawValue
        raw.tag_len = copy(record.tag, into: &raw.tag)
        raw.error_len = copy(record.errorFields, into: &raw.error)
        raw.names_len = copy(record.names, into: &raw.names)
        if let application = record.applicationName {
            raw.flags |= CapturedRequest.Flags.applicationName.rawValue
            raw.parameter_len = copy(Array("application_name".utf8) + [0] + Array(application.utf8) + [0], into: &raw.parameter)
        }
        _ = copy(Array(record.threadName.utf8.prefix(Int(TUSK_COMM_LEN) - 1)), into: &raw.comm)
        switch record.socket {
        case .unknown:
            raw.family = 0
        case .unix:
            raw.family = 1  // AF_UNIX
        case .inet(let local, let localPort, let peer, let peerPort):
            raw.family = local.count == 4 ? 2 : 10  // AF_INET, AF_INET6
            raw.local_port = localPort
            raw.peer_port = peerPort
            _ = copy(local, into: &raw.local_addr)
            _ = copy(peer, into: &raw.peer_addr)
        }
        return withUnsafeBytes(of: raw) { Array($0) } + record.text
    }

    /// Where `kind` lies in an image (to make one that is not a record).
    public static var kindOffset: Int { MemoryLayout<tusk_record>.offset(of: \.kind)! }

    /// Copies `bytes` into a fixed C array (a tuple in Swift); returns how many fit.
    private static func copy<Field>(_ bytes: [UInt8], into field: inout Field) -> UInt16 {
        withUnsafeMutableBytes(of: &field) { destination in
            let count = min(bytes.count, destination.count)
            destination.copyBytes(from: bytes.prefix(count))
            return UInt16(count)
        }
    }
}
