import Dispatch
import Glibc
import KernelRecords

/// A scoped agent's OpenSSL probes: put on each process in scope, for that process alone, so that
/// the kernel installs their breakpoints in no other process that maps the same file (the
/// PostgreSQL backends, other pods sharing an image layer, every HTTPS client on the node).
///
/// A process gets them for every OpenSSL it may use: every libssl it maps, its program file if
/// OpenSSL is built in, the system's libssl as its own root has it, and every OpenSSL file probed
/// in another process before (at most TUSK_TLS_FILES_PER_PROCESS in all). The last two go on before
/// the process maps them: a process that execs a client on a file probed before is covered from
/// its first call, as under an unscoped agent. They stay across the process's execs.
///
/// The kernel reports every exec and libssl mapping of a traced process and every fork of a
/// process with probes (its child has the parent's breakpoints only until its first hit); each
/// report has the process probed again for what it lacks. A process that exits has its probes
/// removed (its pidfd says so) at the next report or within a second.
extension TLSDiscovery {
    /// Puts the probes on each process in scope at start (`pids`), before anything is traced.
    public func attach(processes pids: [Int32]) -> TLSAttachment {
        var result = TLSAttachment()
        // processes started later mostly use the system's libssl: its first attach is done now
        for file in TLSLibraries.system() {
            let fd = open(file.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard case .first = admit(file.identity) else { continue }
            session.prepareTLS(fd: fd)
            counters.filesProbed.add(1, ordering: .relaxed)
            keep(file.identity, fd: fd, path: file.path, kind: .system)
            state.withLock { _ = $0.probedAtStart.insert(file.identity) }
        }
        for pid in pids {
            probe(pid) { event in
                switch event {
                case .probed(let file, let pid), .probedProcess(let file, let pid):
                    result.attached.append("\(file.path) (pid \(pid))")
                case .notProbed(_, _, let reason): result.failures.append(reason)
                case .unseen, .leftToServers: break
                }
            }
        }
        return result
    }

    /// A `.library`, `.program` or `.process` record of a scoped agent (reader thread): the
    /// process is probed again on the discovery thread. A program file not looked at before is
    /// opened now for the Go check (Go's probes go on files, for every process running them).
    func noticeProcess(_ record: CapturedRequest) {
        switch record.kind {
        case .library, .program, .process: break
        default: return
        }
        let programs = record.kind == .program ? openProgram(of: record.pid) ?? [] : []
        enqueue(programs) {
            for program in programs { self.lookAtProgram(program, pid: record.pid) }
            self.probe(record.pid, report: self.report)
        }
    }

    /// A program file run for the first time: OpenSSL built in (remembered; `probe` puts the
    /// probes on it per process), else maybe a Go executable.
    private func lookAtProgram(_ program: OpenFile, pid: Int32) {
        let first = state.withLock { state in
            if state.programs.count >= Self.memory { state.programs.removeAll() }
            return state.programs.insert(program.identity).inserted
        }
        guard first, functions(of: program.identity, fd: program.fd, program: true).isEmpty else { return }
        considerGo(program, pid: pid)
    }

    /// Puts the probes on process `pid` for each OpenSSL it may use and does not have them on yet.
    func probe(_ pid: Int32, report: (Event) -> Void) {
        removeExited()
        guard scopePids.isEmpty || scopePids.contains(pid) else { return }
        var seen = Set<TLSLibraries.Identity>()
        for (openPath, path, kind) in candidates(of: pid) {
            let fd = open(openPath, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { continue }
            defer { close(fd) }
            guard let identity = TLSLibraries.Identity(fd: fd), seen.insert(identity).inserted else { continue }
            let (has, count) = state.withLock { ($0.processFiles[pid]?.contains(identity) == true, $0.processFiles[pid]?.count ?? 0) }
            // files the process may map later take at most half of its room
            let speculative = kind == .system || openPath.hasPrefix("/proc/self/fd/")
            guard !has, count < (speculative ? ProbeSession.tlsFilesPerProcess / 2 : ProbeSession.tlsFilesPerProcess) else { continue }
            let functions = functions(of: identity, fd: fd, program: kind == .program)
            guard !functions.isEmpty else { continue }
            let file = TLSLibraries.File(path: path, device: identity.device, inode: identity.inode, kind: kind, processes: [pid])
            let admission = admit(identity)
            if case .refused(let first) = admission {
                if first {
                    counters.filesOverLimit.add(1, ordering: .relaxed)
                    report(.notProbed(path: path, pid: pid, reason: "\(path): not probed, the TLS probes are on \(maxFiles) files already"))
                }
                continue
            }
            let failure = session.attachTLS(fd: fd, name: path, offsets: functions, pid: pid, maxProcesses: maxProcesses)
            if case .first = admission {
                // a file counts once its probes went on in a process
                if failure == nil {
                    counters.filesProbed.add(1, ordering: .relaxed)
                    keep(identity, fd: fd, path: path, kind: kind)
                } else {
                    state.withLock { state in
                        state.probed -= 1
                        state.known[identity] = nil
                    }
                }
            }
            guard let failure else {
                let first = state.withLock { state in
                    state.overLimit.remove(pid)
                    return state.processFiles.updateValue(
                        (state.processFiles[pid] ?? []).union([identity]), forKey: pid) == nil
                }
                if first { counters.processesProbed.add(1, ordering: .relaxed) }
                counters.processesHolding.store(session.tlsProcessCount, ordering: .relaxed)
                if case .first = admission { report(.probed(file, pid: pid)) } else { report(.probedProcess(file, pid: pid)) }
                continue
            }
            switch failure.reason {
            case .gone:
                return
            case .processLimit:
                let first = state.withLock { state in
                    if state.overLimit.count >= Self.memory { state.overLimit.removeAll() }
                    return state.overLimit.insert(pid).inserted
                }
                if first {
                    counters.processesOverLimit.add(1, ordering: .relaxed)
                    report(.notProbed(path: path, pid: pid, reason: failure.message))
                }
                return
            case .failed:
                counters.processesFailed.add(1, ordering: .relaxed)
                report(.notProbed(path: path, pid: pid, reason: failure.message))
            }
        }
    }

    enum Admission {
        /// The file's probes go on for the first time.
        case first
        /// The file has probes in other processes.
        case again
        /// Over `maxFiles` (`first`: the first time the file is refused).
        case refused(first: Bool)
    }

    /// Whether the probes may go on a file: at most `maxFiles` distinct files have them (each
    /// has 10 uprobe events in tracefs, shared by the processes).
    func admit(_ identity: TLSLibraries.Identity) -> Admission {
        state.withLock { state in
            switch state.known[identity] {
            case .probed: return .again
            case .overLimit: return .refused(first: false)
            case .failed, nil: break
            }
            guard state.probed < maxFiles else {
                if state.known.count < Self.memory { state.known[identity] = .overLimit }
                return .refused(first: true)
            }
            state.probed += 1
            state.known[identity] = .probed
            return .first
        }
    }

    /// Every file process `pid` may run OpenSSL from (the path to open it by, the path to name it
    /// by), those it uses first: the libssl files it maps and its program file, reached through
    /// its root; the system's libssl paths under its root; the files probed before.
    private func candidates(of pid: Int32) -> [(String, String, TLSLibraries.File.Kind)] {
        var paths = (TLSLibraries.libraries(procRoot: procRoot, pid: pid) ?? []).map { ($0, $0, TLSLibraries.File.Kind.library) }
        if let program = TLSLibraries.program(procRoot: procRoot, pid: pid) { paths.append((program, program, .program)) }
        paths += TLSLibraries.systemPaths.map { ("\(procRoot)/\(pid)/root\($0)", "\(procRoot)/\(pid)/root\($0)", .system) }
        paths += state.withLock { $0.probedFiles.values.map { ("/proc/self/fd/\($0.fd)", $0.path, $0.kind) } }
        return paths
    }

    /// Holds a file the probes went on open, for the processes that come later.
    private func keep(_ identity: TLSLibraries.Identity, fd: Int32, path: String, kind: TLSLibraries.File.Kind) {
        let held = fcntl(fd, F_DUPFD_CLOEXEC, 0)
        guard held >= 0 else { return }
        let kept = state.withLock { state in
            guard state.probedFiles[identity] == nil else { return false }
            state.probedFiles[identity] = (held, path, kind)
            return true
        }
        if !kept { close(held) }
    }

    /// The OpenSSL functions of the open file `fd` by file offset (empty: not OpenSSL), read once
    /// per file.
    private func functions(of identity: TLSLibraries.Identity, fd: Int32, program: Bool) -> [String: UInt64] {
        if let known = state.withLock({ $0.functions[identity] }) { return known }
        let found = program ? TLSLibraries.openSSLFunctions(program: fd) : ELFExports.functions(Set(ProbeSession.tlsFunctions), fd: fd)
        let functions = found["SSL_write"] != nil && found["SSL_read"] != nil ? found : [:]
        state.withLock { state in
            if state.functions.count >= Self.memory { state.functions.removeAll() }
            state.functions[identity] = functions
        }
        return functions
    }

    /// Removes the probes of processes that exited (before a report is handled: the pid may be
    /// another process's by now).
    func removeExited() {
        let pids = session.removeExitedTLSProcesses()
        guard !pids.isEmpty else { return }
        state.withLock { state in
            for pid in pids { state.processFiles[pid] = nil }
        }
        counters.processesHolding.store(session.tlsProcessCount, ordering: .relaxed)
    }

    /// Exited processes give back their probes within a second even when no report comes.
    func removeExitedEverySecond() {
        queue.asyncAfter(deadline: .now() + .seconds(1)) { [weak self] in
            guard let self else { return }
            self.removeExited()
            self.removeExitedEverySecond()
        }
    }
}
