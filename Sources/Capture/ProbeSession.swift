import CTuskBPF
import KernelRecords
import Glibc
import Synchronization

/// The loaded kernel programs: attach them, then poll for completed requests. Not thread-safe:
/// one thread polls; `counters()` may be called from others (map lookups are atomic per CPU).
public final class ProbeSession: @unchecked Sendable {
    let probes: OpaquePointer
    /// Used by the polling thread only.
    private var sockets = SocketMemo()
    /// Go executables (device, inode) the Go TLS probes are on: each file is probed once. The lock
    /// also keeps attaching to one thread at a time.
    let goTLSFiles = Mutex<Set<[UInt64]>>([])

    /// Loads (verifies) the programs with `options`. Nothing is traced until `attach()`.
    public init(options: CaptureOptions) throws(CaptureError) {
        var error = [CChar](repeating: 0, count: 512)
        var rejected = tusk_program_verdict()
        let loaded = options.withRawOptions { raw in tusk_probes_load(&raw, &rejected, &error, error.count) }
        guard let loaded else {
            let failure = Glibc.errno
            throw CaptureError(
                step: "loading the BPF programs", errno: failure, detail: Self.message(error),
                rejected: rejected.error != 0 ? ProgramVerdict(rejected) : nil)
        }
        probes = loaded
    }

    deinit {
        tusk_probes_destroy(probes)
    }

    /// Attaches every syscall tracepoint; from here on requests are captured.
    public func attach() throws(CaptureError) {
        var error = [CChar](repeating: 0, count: 512)
        let result = tusk_probes_attach(probes, &error, error.count)
        guard result == 0 else {
            throw CaptureError(step: "attaching the syscall tracepoints", errno: -result, detail: Self.message(error))
        }
    }

    /// Puts the TLS probes on each OpenSSL file, for every process that maps it now or later. A
    /// file they cannot attach to is skipped and named in the result; the syscall capture goes on.
    public func attachTLS(to files: [TLSLibraries.File]) -> TLSAttachment {
        var result = TLSAttachment()
        for file in files {
            var error = [CChar](repeating: 0, count: 512)
            let attached = tusk_probes_attach_tls(probes, file.path, &error, error.count)
            if attached > 0 {
                result.attached.append(file.path)
            } else {
                result.failures.append(Self.message(error))
            }
        }
        return result
    }

    /// Detaches every tracepoint; records already in the ring buffer can still be polled.
    public func detach() {
        tusk_probes_detach(probes)
    }

    /// Records one poll hands over at most, by default: what a poll builds stays bounded however
    /// fast the kernel produces, and the polling thread gets back to its loop (and sees a stop
    /// request) between polls.
    public static let recordsPerPoll = 4096

    /// Waits up to `timeoutMilliseconds` for records and hands the available ones to `handle`, at
    /// most `maxRecords`; the rest wait for the next poll (which then returns at once). Returns
    /// how many were consumed.
    @discardableResult
    public func poll(
        timeoutMilliseconds: Int32, maxRecords: Int = ProbeSession.recordsPerPoll, _ handle: (CapturedRequest) -> Void
    ) -> Int {
        withoutActuallyEscaping(handle) { handle in
            var sink = RecordSink(handle: handle, sockets: sockets)
            defer { sockets = sink.sockets }
            return withUnsafeMutablePointer(to: &sink) { sinkPointer in
                Int(tusk_probes_poll(probes, timeoutMilliseconds, UInt32(clamping: maxRecords), { context, data, size in
                    guard let context, let data else { return 0 }
                    let sink = context.assumingMemoryBound(to: RecordSink.self)
                    let bytes = UnsafeRawBufferPointer(start: data, count: size)
                    if let record = RecordDecoder.decode(bytes, sockets: &sink.pointee.sockets) {
                        sink.pointee.handle(record)
                    }
                    return 0
                }, sinkPointer))
            }
        }
    }

    public func counters() -> KernelCounters {
        var values = [UInt64](repeating: 0, count: Int(TUSK_C_MAX.rawValue))
        guard tusk_probes_counters(probes, &values, UInt32(values.count)) == 0 else { return KernelCounters() }
        return KernelCounters(values)
    }

    /// Entries live in the kernel's connection and request maps (for leak checks).
    public func mapEntries() -> (connections: Int, requests: Int) {
        var connections: UInt32 = 0
        var requests: UInt32 = 0
        tusk_probes_map_entries(probes, &connections, &requests)
        return (Int(connections), Int(requests))
    }

    static func message(_ buffer: [CChar]) -> String {
        let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let log = String(cString: tusk_probes_last_log())
            .split(separator: "\n").suffix(3).joined(separator: "; ")
        return log.isEmpty ? text : "\(text) (libbpf: \(log))"
    }
}

private struct RecordSink {
    let handle: (CapturedRequest) -> Void
    var sockets: SocketMemo
}
