import Capture
import Glibc
import Logging
import Scoping

extension RunCommand {
    /// The TLS probes go on the OpenSSL files found now before anything is traced, then on every
    /// one a traced process starts using; a scoped agent puts them on each process in scope
    /// instead (`cgroupDirectories`, `pids`). Without them the agent runs on: encrypted
    /// connections are counted only.
    func attachTLS(
        _ session: ProbeSession, procRoot: String, pids: [Int32], cgroupDirectories: [String], maxFiles: Int,
        maxProcesses: Int, side: CaptureOptions.Side, logger: Logger
    ) -> TLSDiscovery {
        let discovery = TLSDiscovery(
            session: session, procRoot: procRoot, maxFiles: maxFiles, maxProcesses: maxProcesses, scopePids: pids,
            serversTraced: side != .client
        ) { event in
            switch event {
            case .probed(let file, let pid):
                logger.info(
                    "\(file.kind == .goProgram ? "Go TLS" : "OpenSSL") probes on \(TLSLibraries.displayPath(file.path))",
                    metadata: ["pid": "\(pid)", "kind": "\(Self.describe(file.kind))"])
            case .probedProcess(let file, let pid):
                // scoped, every process in scope that may use OpenSSL gets its own: not worth a line each
                logger.debug(
                    "OpenSSL probes on \(TLSLibraries.displayPath(file.path))",
                    metadata: ["pid": "\(pid)", "kind": "\(Self.describe(file.kind))"])
            case .leftToServers(let path, let pid):
                logger.info(
                    "OpenSSL \(TLSLibraries.displayPath(path)) left unprobed: only PostgreSQL servers use it, and --side client traces their clients",
                    metadata: ["pid": "\(pid)"])
            case .notProbed(let path, let pid, let reason):
                logger.warning("TLS not probed: \(reason)", metadata: ["pid": "\(pid)", "file": "\(path)"])
            case .unseen(let pid, let program, let reason):
                logger.warning(
                    "cannot see the TLS plaintext of process \(pid) (\(program)): \(reason); its encrypted connections are counted in tusk_connections_encrypted_unseen_total",
                    metadata: ["pid": "\(pid)", "executable": "\(program)"])
            }
        }
        if session.tlsPerProcess {
            return attachPerProcess(discovery, session, pids: pids, cgroupDirectories: cgroupDirectories, logger: logger)
        }
        let files = TLSLibraries.find(procRoot: procRoot, pids: pids)
        let attachment = discovery.attach(files)
        for failure in attachment.failures {
            logger.warning("TLS probes: \(failure)")
        }
        for path in attachment.serverOnly {
            logger.info(
                "OpenSSL \(TLSLibraries.displayPath(path)) left unprobed: only PostgreSQL servers use it, and --side client traces their clients")
        }
        session.onDiscovery { discovery.notice($0) }
        if attachment.attached.isEmpty {
            let reason = files.isEmpty ? "none found yet" : "attach failed"
            logger.warning(
                "no OpenSSL probed at start (\(reason)); OpenSSL files processes load later are probed as they appear; encrypted connections are counted in tusk_connections_encrypted_total")
        } else {
            logger.info("OpenSSL probes on: encrypted connections through OpenSSL are seen", metadata: ["files": "\(attachment.attached)"])
        }
        return discovery
    }

    /// Scoped: the probes go on each process in scope now, each for itself alone; later ones get
    /// theirs as the kernel reports them. Each process's probes are perf events (file
    /// descriptors): the limit on open files is raised to its hard maximum.
    private func attachPerProcess(
        _ discovery: TLSDiscovery, _ session: ProbeSession, pids: [Int32], cgroupDirectories: [String], logger: Logger
    ) -> TLSDiscovery {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        var inScope = cgroupDirectories.isEmpty ? pids : CgroupProcesses.pids(under: cgroupDirectories)
        if !cgroupDirectories.isEmpty && !pids.isEmpty { inScope = inScope.filter(pids.contains) }
        let attachment = discovery.attach(processes: inScope)
        for failure in attachment.failures {
            logger.warning("TLS probes: \(failure)")
        }
        session.onDiscovery { discovery.notice($0) }
        logger.info(
            "OpenSSL probes per process (scoped): \(session.tlsProcessCount) of \(inScope.count) processes in scope now; processes that start, exec or load OpenSSL later get theirs as they do",
            metadata: ["files": "\(attachment.attached)"])
        return discovery
    }

    static func describe(_ kind: TLSLibraries.File.Kind) -> String {
        switch kind {
        case .system: return "system libssl"
        case .library: return "libssl copy"
        case .program: return "OpenSSL built into the program"
        case .goProgram: return "Go crypto/tls"
        }
    }
}
