import Capture
import Logging

extension RunCommand {
    /// The Go TLS probes go on each Go executable running when Tusk starts. Each executable it
    /// cannot probe is named once, with the reason; its encrypted connections are counted only.
    func attachGoTLS(_ session: ProbeSession, procRoot: String, pids: [Int32], logger: Logger) {
        var binaries: [GoTLSBinary] = []
        for found in GoExecutables.find(procRoot: procRoot, pids: pids) {
            let metadata: Logger.Metadata = ["path": "\(found.path)", "pids": "\(found.pids)"]
            switch found.inspection {
            case .probeable(let binary):
                binaries.append(binary)
            case .notGo, .withoutTLS:
                continue
            case .stripped(let version):
                logger.warning(
                    "Go TLS is not seen in a stripped executable (no symbol table to find crypto/tls in)",
                    metadata: metadata.merging(["go": "\(version ?? "unknown")"]) { $1 })
            case .unsupportedVersion(let version):
                logger.warning(
                    "Go TLS is seen in Go 1.17 and later only (register ABI)",
                    metadata: metadata.merging(["go": "\(version ?? "unknown")"]) { $1 })
            case .undecodable(let function):
                logger.warning("Go TLS is not seen: the code of \(function) could not be decoded", metadata: metadata)
            }
        }
        let attachment = session.attachGoTLS(to: binaries)
        for failure in attachment.failures {
            logger.warning("Go TLS probes: \(failure)")
        }
        if !attachment.attached.isEmpty {
            logger.info("Go TLS probes on: encrypted connections through Go's crypto/tls are seen", metadata: ["files": "\(attachment.attached)"])
        }
    }
}
