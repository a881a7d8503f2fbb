import Dispatch
import Glibc
import KernelRecords
import Synchronization

/// Puts the TLS probes on every OpenSSL a traced process uses, whenever it starts using it: the
/// kernel reports a libssl mapped for execution (a library loaded at start or with dlopen, from
/// any path, a container's own) and a program file started (OpenSSL may be built into it), once
/// per file; each process's first PostgreSQL connection has its maps read again. The probes go on
/// once per distinct file (device, inode), at most `maxFiles`, on a thread of its own: the reader
/// only opens the files a record names (the process may not live long) and queues them.
///
/// The probes go on asynchronously: a process that starts a TLS connection right after loading
/// a library may have its first messages go by before they are on. Such a connection is picked up
/// at its next whole request (as a connection opened before Tusk).
///
/// A scoped agent (`ProbeSession.tlsPerProcess`) puts the OpenSSL probes on each process in scope
/// instead (TLSDiscovery+Processes.swift), so that no other process traps in them.
///
/// Probes on a file make every process that maps it trap, traced or not. With `--side client` the
/// PostgreSQL servers' calls are of no use, so a library only servers map is left unprobed (a
/// database pod's own libssl on a node-wide agent's node): its backends do not pay for the traps.
/// It gets the probes once another process maps it, or a server process opens a PostgreSQL
/// connection of its own (postgres_fdw, a subscription). The agent's own system libssl is probed
/// regardless: on a host, clients and the server share it.
///
/// It also says what is not seen: the first encrypted connection of a process whose plaintext no
/// probe hands over is reported once per process, with the reason.
public final class TLSDiscovery: Sendable {
    /// Something to tell the operator.
    public enum Event: Sendable, Equatable {
        /// The probes went on a file found after start, for process `pid` (scoped: the first
        /// process the file's probes went on).
        case probed(TLSLibraries.File, pid: Int32)
        /// Scoped: the probes of a file already probed in other processes went on process `pid`.
        case probedProcess(TLSLibraries.File, pid: Int32)
        /// A file that is OpenSSL but could not be probed (`reason`).
        case notProbed(path: String, pid: Int32, reason: String)
        /// A library found after start left unprobed: only PostgreSQL servers (`pid`) map it and
        /// their side is not traced. Once per file.
        case leftToServers(path: String, pid: Int32)
        /// Process `pid` running `program` has an encrypted connection Tusk cannot see into.
        case unseen(pid: Int32, program: String, reason: String)
    }

    /// Totals for /metrics.
    public final class Counters: Sendable {
        /// Files the probes went on (at start and after).
        public let filesProbed = Atomic<Int>(0)
        /// OpenSSL files left unprobed because `maxFiles` were probed already.
        public let filesOverLimit = Atomic<Int>(0)
        /// OpenSSL files the probes could not attach to.
        public let filesFailed = Atomic<Int>(0)
        /// Kernel reports dropped because too many waited (the files may still be found later).
        public let reportsDropped = Atomic<Int>(0)
        /// Scoped: processes the probes went on (each once, however many files it maps).
        public let processesProbed = Atomic<Int>(0)
        /// Scoped: processes left unprobed because `maxProcesses` hold probes already.
        public let processesOverLimit = Atomic<Int>(0)
        /// Scoped: OpenSSL files the probes could not attach to in a process.
        public let processesFailed = Atomic<Int>(0)
        /// Scoped: processes holding probes now.
        public let processesHolding = Atomic<Int>(0)

        public init() {}
    }

    public let counters = Counters()
    let session: ProbeSession
    let procRoot: String
    let maxFiles: Int
    /// Scoped: most processes holding probes at once.
    let maxProcesses: Int
    /// Scoped with `--pid`: the only processes probes may go on (a fork's child is not one).
    let scopePids: Set<Int32>
    /// Whether the PostgreSQL servers' TLS is traced (`--side server` or `both`); else a library
    /// only servers map is left unprobed.
    let serversTraced: Bool
    /// The agent's own system libssl files, probed whoever maps them.
    let ownSystemFiles: Set<TLSLibraries.Identity>
    let report: @Sendable (Event) -> Void
    let queue = DispatchQueue(label: "tusk.tls-discovery")
    private let waiting = Atomic<Int>(0)
    let state = Mutex(State())

    /// Kernel reports that may wait for the discovery thread; more are dropped and counted.
    static let maxWaiting = 1024
    /// Files remembered as over the limit or failing, program files remembered as checked, and
    /// processes remembered as reported unseen, each.
    static let memory = 16384

    struct State {
        /// Files probed, or found over the limit or failing: not tried again.
        var known: [TLSLibraries.Identity: Outcome] = [:]
        var probed = 0
        /// Program files already checked for OpenSSL.
        var programs = Set<TLSLibraries.Identity>()
        /// Processes already reported unseen (pid and program).
        var reported = Set<String>()
        /// Files probed at start: any other probed file was probed as a process started using it.
        var probedAtStart = Set<TLSLibraries.Identity>()
        /// Libraries left unprobed because only PostgreSQL servers mapped them (`serversTraced`
        /// false); one that gets the probes later leaves this set.
        var serverOnly = Set<TLSLibraries.Identity>()
        /// Scoped: the OpenSSL files probed in each process.
        var processFiles: [Int32: Set<TLSLibraries.Identity>] = [:]
        /// Scoped: each file's OpenSSL functions by file offset; empty for a file without OpenSSL.
        var functions: [TLSLibraries.Identity: [String: UInt64]] = [:]
        /// Scoped: processes refused for the process limit (counted once each).
        var overLimit = Set<Int32>()
        /// Scoped: each probed file, held open (at most `maxFiles`), and its path: every process
        /// that execs or forks gets its probes on all of them, before it may map one.
        var probedFiles: [TLSLibraries.Identity: (fd: Int32, path: String, kind: TLSLibraries.File.Kind)] = [:]
    }

    enum Outcome {
        case probed, overLimit, failed
    }

    public init(session: ProbeSession, procRoot: String = "/proc", maxFiles: Int = ProbeSession.maxTLSFiles,
                maxProcesses: Int = ProbeSession.maxTLSProcesses, scopePids: [Int32] = [], serversTraced: Bool = true,
                report: @escaping @Sendable (Event) -> Void) {
        self.session = session
        self.procRoot = procRoot
        self.maxFiles = min(maxFiles, ProbeSession.maxTLSFiles)
        self.maxProcesses = min(maxProcesses, ProbeSession.maxTLSProcesses)
        self.scopePids = Set(scopePids)
        self.serversTraced = serversTraced
        ownSystemFiles = Set(TLSLibraries.system().map(\.identity))
        self.report = report
        if session.tlsPerProcess { removeExitedEverySecond() }
    }

    /// Puts the probes on the files found at start (`TLSLibraries.find`), before anything is traced.
    public func attach(_ files: [TLSLibraries.File]) -> TLSAttachment {
        var result = TLSAttachment()
        for file in files {
            if file.kind == .library, leftToServers(file.identity, mappedBy: file.processes) {
                state.withLock { _ = $0.serverOnly.insert(file.identity) }
                result.serverOnly.append(file.path)
                continue
            }
            let fd = open(file.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            let outcome = attach(file, fd: fd)
            if let failure = outcome.failure {
                result.failures.append(failure)
            } else if outcome.attached {
                result.attached.append(file.path)
                state.withLock { _ = $0.probedAtStart.insert(file.identity) }
            }
        }
        return result
    }

    /// A file a process maps or runs, opened by the agent.
    struct OpenFile {
        var path: String
        var fd: Int32
        var identity: TLSLibraries.Identity
    }

    /// A record from the kernel (`ProbeSession.onDiscovery`); called on the reader thread. The
    /// files it names are opened here, as soon as the kernel reports them: the process that maps
    /// them may be gone by the time the discovery thread gets to them. The rest (reading symbols,
    /// attaching) happens on the discovery thread.
    public func notice(_ record: CapturedRequest) {
        if session.tlsPerProcess, record.kind != .tlsUnseen {
            noticeProcess(record)
            return
        }
        let files: [OpenFile]
        switch record.kind {
        case .library, .program:
            guard let opened = record.kind == .library ? openLibraries(of: record.pid) : openProgram(of: record.pid) else {
                // gone before its files could be read: the next process mapping the library reports
                // it (a program is not asked about again: short-lived ones would be, at every exec)
                if record.kind == .library { session.forgetReportedFile(of: record) }
                return
            }
            files = opened
        case .process: files = []
        case .tlsUnseen:
            reportUnseen(pid: record.pid, command: record.threadName)
            return
        default: return
        }
        enqueue(files) { self.handle(record, files) }
    }

    /// Runs `work` on the discovery thread, then closes `files`; unless too many wait (then the
    /// report is dropped and counted).
    func enqueue(_ files: [OpenFile], _ work: @escaping @Sendable () -> Void) {
        guard waiting.add(1, ordering: .relaxed).newValue <= Self.maxWaiting else {
            waiting.subtract(1, ordering: .relaxed)
            counters.reportsDropped.add(1, ordering: .relaxed)
            for file in files { close(file.fd) }
            return
        }
        queue.async {
            work()
            for file in files { close(file.fd) }
            self.waiting.subtract(1, ordering: .relaxed)
        }
    }

    /// Waits until every record noticed so far is handled (tests, shutdown).
    public func settle() {
        queue.sync {}
    }

    /// The libssl files process `pid` maps that have no probes yet, opened; nil when the process
    /// or its files could not be read.
    private func openLibraries(of pid: Int32) -> [OpenFile]? {
        guard let paths = TLSLibraries.libraries(procRoot: procRoot, pid: pid) else { return nil }
        var files: [OpenFile] = []
        for path in paths {
            switch openFile(path, fresh: { $0.known[$1] == nil }) {
            case .opened(let file): files.append(file)
            case .known: continue
            case .unreachable:
                for file in files { close(file.fd) }
                return nil
            }
        }
        return files
    }

    /// The program file of process `pid`, opened, unless it was looked at before; nil when it could
    /// not be read.
    func openProgram(of pid: Int32) -> [OpenFile]? {
        guard let path = TLSLibraries.program(procRoot: procRoot, pid: pid) else { return nil }
        switch openFile(path, fresh: { $0.known[$1] == nil && !$0.programs.contains($1) }) {
        case .opened(let file): return [file]
        case .known: return []
        case .unreachable: return nil
        }
    }

    private enum Opening {
        case opened(OpenFile), known, unreachable
    }

    private func openFile(_ path: String, fresh: (State, TLSLibraries.Identity) -> Bool) -> Opening {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .unreachable }
        guard let identity = TLSLibraries.Identity(fd: fd) else {
            close(fd)
            return .unreachable
        }
        guard state.withLock({ fresh($0, identity) }) else {
            close(fd)
            return .known
        }
        return .opened(OpenFile(path: path, fd: fd, identity: identity))
    }

    private func handle(_ record: CapturedRequest, _ files: [OpenFile]) {
        let pid = record.pid
        switch record.kind {
        case .library:
            var left = false
            for file in files {
                if leftToServers(file.identity, mappedBy: [pid]) {
                    left = true
                    let first = state.withLock { $0.serverOnly.insert(file.identity).inserted }
                    if first { report(.leftToServers(path: file.path, pid: pid)) }
                } else {
                    consider(file, kind: .library, pid: pid, offsets: nil)
                }
            }
            // the kernel reports a file once: have it report this one again when another maps it
            if left { session.forgetReportedFile(of: record) }
        case .process:
            // the process's first connection: a library it mapped before its report could be read
            for file in openLibraries(of: pid) ?? [] {
                defer { close(file.fd) }
                consider(file, kind: .library, pid: pid, offsets: nil)
            }
        case .program:
            for file in files {
                let first = state.withLock { state in
                    if state.programs.count >= Self.memory { state.programs.removeAll() }
                    return state.programs.insert(file.identity).inserted
                }
                guard first else { continue }
                let functions = TLSLibraries.openSSLFunctions(program: file.fd)
                if !functions.isEmpty {
                    consider(file, kind: .program, pid: pid, offsets: functions)
                } else {
                    considerGo(file, pid: pid)
                }
            }
        default:
            break
        }
    }

    /// Whether a library mapped by the processes `pids` (none known: not) is left unprobed: only
    /// PostgreSQL servers map it, their side is not traced, and it is not the agent's own system one.
    private func leftToServers(_ identity: TLSLibraries.Identity, mappedBy pids: [Int32]) -> Bool {
        !serversTraced && !pids.isEmpty && !ownSystemFiles.contains(identity)
            && pids.allSatisfy { TLSLibraries.runsPostgreSQLServer(procRoot: procRoot, pid: $0) }
    }

    /// Puts the probes on an open OpenSSL file unless it has them (or cannot have them).
    private func consider(_ open: OpenFile, kind: TLSLibraries.File.Kind, pid: Int32, offsets: [String: UInt64]?) {
        let identity = open.identity
        let file = TLSLibraries.File(
            path: open.path, device: identity.device, inode: identity.inode, kind: kind, processes: [pid])
        let outcome = attach(file, fd: open.fd, offsets: offsets)
        if outcome.attached {
            state.withLock { _ = $0.serverOnly.remove(identity) }
            report(.probed(file, pid: pid))
        } else if let failure = outcome.failure {
            report(.notProbed(path: open.path, pid: pid, reason: failure))
        }
    }

    /// Puts the Go TLS probes on an open program file if it is a Go executable that links
    /// crypto/tls (ProbeSession.attachGoTLS probes each file once).
    func considerGo(_ open: OpenFile, pid: Int32) {
        let inspection = GoTLSBinary.inspect(path: "/proc/self/fd/\(open.fd)")
        let file = TLSLibraries.File(
            path: open.path, device: open.identity.device, inode: open.identity.inode, kind: .goProgram, processes: [pid])
        if case .probeable(let binary) = inspection {
            let attachment = session.attachGoTLS(to: [binary])
            if !attachment.attached.isEmpty {
                report(.probed(file, pid: pid))
            } else if let failure = attachment.failures.first {
                report(.notProbed(path: open.path, pid: pid, reason: failure.replacing("/proc/self/fd/\(open.fd)", with: open.path)))
            }
        } else if let reason = inspection.unprobeableReason {
            report(.notProbed(path: open.path, pid: pid, reason: reason))
        }
    }

    /// Attaches to one file, once: (attached now, why not).
    private func attach(_ file: TLSLibraries.File, fd: Int32, offsets: [String: UInt64]? = nil) -> (attached: Bool, failure: String?) {
        let identity = file.identity
        let admitted: Outcome? = state.withLock { state in
            guard state.known[identity] == nil else { return nil }
            guard state.probed < maxFiles else {
                if state.known.count < Self.memory { state.known[identity] = .overLimit }
                return .overLimit
            }
            state.probed += 1
            state.known[identity] = .probed
            return .probed
        }
        switch admitted {
        case nil:
            return (false, nil)
        case .overLimit:
            counters.filesOverLimit.add(1, ordering: .relaxed)
            return (false, "\(file.path): not probed, the TLS probes are on \(maxFiles) files already")
        default:
            break
        }
        if let failure = session.attachTLS(fd: fd, name: file.path, offsets: offsets) {
            state.withLock { state in
                state.probed -= 1
                state.known[identity] = state.known.count < Self.memory ? .failed : nil
            }
            counters.filesFailed.add(1, ordering: .relaxed)
            return (false, failure)
        }
        counters.filesProbed.add(1, ordering: .relaxed)
        return (true, nil)
    }

    private func reportUnseen(pid: Int32, command: String) {
        let program = TLSLibraries.program(procRoot: procRoot, pid: pid).map { String($0.dropFirst("\(procRoot)/\(pid)/root".count)) }
            ?? command
        let first = state.withLock { state in
            if state.reported.count >= Self.memory { state.reported.removeAll() }
            return state.reported.insert("\(pid) \(program)").inserted
        }
        guard first else { return }
        // what it maps is read now, while it runs; the reason is told once the reports before this
        // one are handled (a file they name may have been refused by then)
        let maps = TLSLibraries.mappings(procRoot: procRoot, pid: pid)
        enqueue([]) { self.report(.unseen(pid: pid, program: program, reason: self.unseenReason(pid: pid, program: program, maps: maps))) }
    }

    /// Why a process's TLS plaintext is not seen, from what it maps (nil: it was gone).
    private func unseenReason(pid: Int32, program: String, maps: String?) -> String {
        guard let maps else {
            return "its TLS library is not one Tusk probes (the process ended before its libraries could be read)"
        }
        if maps.contains("/libjvm.so") || program.hasSuffix("/java") {
            return "Java's TLS (JSSE) is not OpenSSL or Go crypto/tls"
        }
        var probedLate: String?
        var notYet: (path: String, neverProbed: Bool)?
        var probedLateNew = false
        for path in TLSLibraries.libraryPaths(inMaps: maps) {
            guard let identity = TLSLibraries.Identity(path: "\(procRoot)/\(pid)/root\(path)") else { continue }
            if session.tlsPerProcess {
                let (file, probed, overLimit, atStart) = state.withLock {
                    ($0.known[identity], $0.processFiles[pid]?.contains(identity) == true, $0.overLimit.contains(pid),
                     $0.probedAtStart.contains(identity))
                }
                if file == .overLimit {
                    return "its OpenSSL \(path) is not probed: the TLS probes are on \(maxFiles) files already"
                }
                if overLimit {
                    return "its OpenSSL \(path) is not probed: \(maxProcesses) processes have the TLS probes already"
                }
                if probed {
                    // a file new since start names it best: the probes came while it was loaded
                    if !atStart && !probedLateNew {
                        probedLate = path
                        probedLateNew = true
                    } else if probedLate == nil {
                        probedLate = path
                    }
                } else if file == nil || notYet == nil {
                    // a file probed nowhere before names the reason best
                    notYet = file == nil ? (path, true) : (path, false)
                }
                if notYet?.neverProbed == true { break }
                continue
            }
            let (outcome, late) = state.withLock { ($0.known[identity], !$0.probedAtStart.contains(identity)) }
            switch outcome {
            case .overLimit:
                return "its OpenSSL \(path) is not probed: the TLS probes are on \(maxFiles) files already"
            case .failed:
                return "its OpenSSL \(path) could not be probed"
            case nil:
                if state.withLock({ $0.serverOnly.contains(identity) }) {
                    return "its OpenSSL \(path) was left unprobed: only PostgreSQL servers used it (--side client)"
                }
                return "its OpenSSL \(path) was not probed yet when the connection started"
            case .probed:
                if late { probedLate = path }
            }
        }
        if let notYet {
            return "its OpenSSL \(notYet.path) was not probed yet when the connection started"
        }
        if let probedLate {
            // the probes went on while the connection ran: seen from a later request on, if at all
            return "its OpenSSL \(probedLate) was probed only after the connection started"
        }
        return "its TLS library is not OpenSSL or Go crypto/tls"
    }
}
