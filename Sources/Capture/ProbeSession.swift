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
    /// Where records about TLS libraries and unseen encrypted connections go (set before polling).
    private var discovery: (@Sendable (CapturedRequest) -> Void)?
    /// The TLS probes go on from another thread than detach: true once detached.
    private let tlsDetached = Mutex(false)

    /// The OpenSSL probes go on each traced process (`CaptureOptions.tlsPerProcess`).
    public let tlsPerProcess: Bool

    /// Loads (verifies) the programs with `options`. Nothing is traced until `attach()`.
    public init(options: CaptureOptions) throws(CaptureError) {
        tlsPerProcess = options.tlsPerProcess
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
            let fd = open(file.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                result.failures.append("\(file.path): \(String(cString: strerror(Glibc.errno)))")
                continue
            }
            defer { close(fd) }
            if let failure = attachTLS(fd: fd, name: file.path) {
                result.failures.append(failure)
            } else {
                result.attached.append(file.path)
            }
        }
        return result
    }

    /// The OpenSSL functions the TLS probes are for, in the order tusk_probes_attach_tls takes their
    /// probe points (`OpenSSLProbePoints`): each slot's entry program reads the arguments as that
    /// function takes them.
    public static let tlsFunctions = ["SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex", "SSL_do_handshake", "SSL_write_ex2"]

    /// The probe points in the open file `fd` for its exported functions `offsets` (found in the
    /// file when not given); nil when it exports no SSL_write and SSL_read.
    static func tlsProbePoints(fd: Int32, offsets known: [String: UInt64]?) -> [UInt64]? {
        OpenSSLProbePoints.of(fd: fd, exports: known)?.offsets
    }

    /// Puts the TLS probes on the open file `fd` (`name` in messages), at `offsets` (from
    /// `ELFExports.functions`, found in the file when not given). Reached through the agent's own
    /// descriptor, the file needs no path that lives on: the process that mapped it may be gone.
    /// Nil when they are on, else why not. Safe from any thread; nothing is attached once the
    /// session is detached.
    public func attachTLS(fd: Int32, name: String, offsets known: [String: UInt64]? = nil) -> String? {
        guard let at = Self.tlsProbePoints(fd: fd, offsets: known) else {
            return "\(name): exports no SSL_write and SSL_read"
        }
        let path = "/proc/self/fd/\(fd)"
        return tlsDetached.withLock { detached -> String? in
            guard !detached else { return "\(name): the probes are detached" }
            var error = [CChar](repeating: 0, count: 512)
            let attached = at.withUnsafeBufferPointer { tusk_probes_attach_tls(probes, path, $0.baseAddress, &error, error.count) }
            guard attached <= 0 else { return nil }
            return Self.message(error).replacing(path, with: name)
        }
    }

    /// Puts the TLS probes on the open file `fd` (`name` in messages) for process `pid` alone, at
    /// `offsets` (found in the file when not given): their breakpoints go into that process only,
    /// and stay across its execs. At most `maxProcesses` processes hold such probes at once (a
    /// failure beyond, `.processLimit`). Nil when they are on, else why not. Safe from any thread.
    public func attachTLS(
        fd: Int32, name: String, offsets known: [String: UInt64]? = nil, pid: Int32, maxProcesses: Int
    ) -> ProcessAttachFailure? {
        guard let at = Self.tlsProbePoints(fd: fd, offsets: known) else {
            return ProcessAttachFailure(reason: .failed, message: "\(name): exports no SSL_write and SSL_read")
        }
        let path = "/proc/self/fd/\(fd)"
        return tlsDetached.withLock { detached -> ProcessAttachFailure? in
            guard !detached else { return ProcessAttachFailure(reason: .failed, message: "\(name): the probes are detached") }
            var error = [CChar](repeating: 0, count: 512)
            let attached = at.withUnsafeBufferPointer {
                tusk_probes_attach_tls_process(probes, pid, UInt32(clamping: maxProcesses), path, $0.baseAddress, &error, error.count)
            }
            guard attached <= 0 else { return nil }
            let message = Self.message(error).replacing(path, with: name)
            let processLimit = attached == -E2BIG && tusk_probes_tls_process_count(probes) >= UInt32(clamping: maxProcesses)
            return ProcessAttachFailure(reason: processLimit ? .processLimit : attached == -ESRCH ? .gone : .failed, message: message)
        }
    }

    /// Makes the per-process probes on the open OpenSSL file `fd` quick to attach (the first
    /// attach to a file takes longest): for the system's libssl at start.
    public func prepareTLS(fd: Int32) {
        guard let at = Self.tlsProbePoints(fd: fd, offsets: nil) else { return }
        tlsDetached.withLock { detached in
            guard !detached else { return }
            _ = at.withUnsafeBufferPointer { tusk_probes_prepare_tls_process(probes, "/proc/self/fd/\(fd)", $0.baseAddress) }
        }
    }

    /// Why `attachTLS(fd:name:offsets:pid:maxProcesses:)` put no probes on a process.
    public struct ProcessAttachFailure: Sendable, Equatable {
        public enum Reason: Sendable {
            /// `maxProcesses` processes hold probes already.
            case processLimit
            /// The process ended first.
            case gone
            case failed
        }

        public var reason: Reason
        public var message: String
    }

    /// Removes the per-process TLS probes of every process that exited; their pids. The links are
    /// destroyed after the lock is given back: the kernel may wait for a grace period for each.
    public func removeExitedTLSProcesses() -> [Int32] {
        var taken = [OpaquePointer?](repeating: nil, count: 256)
        var pids: [Int32] = []
        while true {
            let count = tlsDetached.withLock { _ in
                Int(tusk_probes_take_exited_tls(probes, &taken, UInt32(taken.count)))
            }
            for process in taken.prefix(count) {
                guard let process else { continue }
                pids.append(tusk_tls_process_pid(process))
                tusk_tls_process_free(process)
            }
            if count < taken.count { return pids }
        }
    }

    /// Processes that hold TLS probes of their own now.
    public var tlsProcessCount: Int {
        tlsDetached.withLock { _ in Int(tusk_probes_tls_process_count(probes)) }
    }

    /// Has the kernel report the file a `.library` or `.program` record named (its inode and
    /// device in `rows` and `dataRows`) again when a process maps it next: the agent could not
    /// reach it this time (the process was gone).
    public func forgetReportedFile(of record: CapturedRequest) {
        _ = tusk_probes_forget_file(probes, record.rows, UInt32(truncatingIfNeeded: record.dataRows))
    }

    /// Most files the TLS probes go on.
    public static let maxTLSFiles = Int(TUSK_TLS_MAX_FILES)
    /// Most OpenSSL files a scoped agent probes in one process.
    public static let tlsFilesPerProcess = Int(TUSK_TLS_FILES_PER_PROCESS)
    /// Most processes a scoped agent puts the TLS probes on at once.
    public static let maxTLSProcesses = Int(TUSK_TLS_MAX_PROCESSES)

    /// Hands the records about TLS libraries (`.library`, `.program`), unseen encrypted
    /// connections (`.tlsUnseen`) and processes (`.process`, which also go to `poll`'s handler)
    /// to `handler`, on the polling thread. Set before polling starts.
    public func onDiscovery(_ handler: @escaping @Sendable (CapturedRequest) -> Void) {
        discovery = handler
    }

    /// Detaches every tracepoint; records already in the ring buffer can still be polled.
    public func detach() {
        tlsDetached.withLock { detached in
            detached = true
            tusk_probes_detach(probes)
        }
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
            var sink = RecordSink(handle: handle, discovery: discovery, sockets: sockets)
            defer { sockets = sink.sockets }
            return withUnsafeMutablePointer(to: &sink) { sinkPointer in
                Int(tusk_probes_poll(probes, timeoutMilliseconds, UInt32(clamping: maxRecords), { context, data, size in
                    guard let context, let data else { return 0 }
                    let sink = context.assumingMemoryBound(to: RecordSink.self)
                    let bytes = UnsafeRawBufferPointer(start: data, count: size)
                    if let record = RecordDecoder.decode(bytes, sockets: &sink.pointee.sockets) {
                        switch record.kind {
                        case .library, .program, .tlsUnseen:
                            sink.pointee.discovery?(record)
                        case .process:
                            sink.pointee.discovery?(record)
                            sink.pointee.handle(record)
                        default:
                            sink.pointee.handle(record)
                        }
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
    let discovery: (@Sendable (CapturedRequest) -> Void)?
    var sockets: SocketMemo
}
