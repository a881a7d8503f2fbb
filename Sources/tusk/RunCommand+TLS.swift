import Capture
import Logging

extension RunCommand {
    /// The TLS probes go on before anything is traced, so a process that starts once Tusk is
    /// attached is covered. Without them the agent runs on: encrypted connections are counted only.
    func attachTLS(_ session: ProbeSession, procRoot: String, pids: [Int32], logger: Logger) {
        let files = TLSLibraries.find(procRoot: procRoot, pids: pids)
        let attachment = session.attachTLS(to: files)
        for failure in attachment.failures {
            logger.warning("TLS probes: \(failure)")
        }
        if attachment.attached.isEmpty {
            let reason = files.isEmpty ? "none found" : "attach failed"
            logger.warning(
                "encrypted connections are not seen: no OpenSSL library could be probed (\(reason)); they are counted in tusk_connections_encrypted_total")
        } else {
            logger.info("OpenSSL probes on: encrypted connections through OpenSSL are seen", metadata: ["files": "\(attachment.attached)"])
        }
    }
}
