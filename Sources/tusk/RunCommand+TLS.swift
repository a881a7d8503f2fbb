import Capture
import Logging

extension RunCommand {
    /// The TLS probes go on the OpenSSL files found now before anything is traced, then on every
    /// one a traced process starts using. Without them the agent runs on: encrypted connections
    /// are counted only.
    func attachTLS(_ session: ProbeSession, procRoot: String, pids: [Int32], maxFiles: Int, logger: Logger) -> TLSDiscovery {
        let discovery = TLSDiscovery(session: session, procRoot: procRoot, maxFiles: maxFiles) { event in
            switch event {
            case .probed(let file, let pid):
                logger.info(
                    "\(file.kind == .goProgram ? "Go TLS" : "OpenSSL") probes on \(TLSLibraries.displayPath(file.path))",
                    metadata: ["pid": "\(pid)", "kind": "\(Self.describe(file.kind))"])
            case .notProbed(let path, let pid, let reason):
                logger.warning("TLS not probed: \(reason)", metadata: ["pid": "\(pid)", "file": "\(path)"])
            case .unseen(let pid, let program, let reason):
                logger.warning(
                    "cannot see the TLS plaintext of process \(pid) (\(program)): \(reason); its encrypted connections are counted in tusk_connections_encrypted_unseen_total",
                    metadata: ["pid": "\(pid)", "executable": "\(program)"])
            }
        }
        let files = TLSLibraries.find(procRoot: procRoot, pids: pids)
        let attachment = discovery.attach(files)
        for failure in attachment.failures {
            logger.warning("TLS probes: \(failure)")
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

    static func describe(_ kind: TLSLibraries.File.Kind) -> String {
        switch kind {
        case .system: return "system libssl"
        case .library: return "libssl copy"
        case .program: return "OpenSSL built into the program"
        case .goProgram: return "Go crypto/tls"
        }
    }
}
