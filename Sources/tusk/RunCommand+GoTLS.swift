import Capture
import Logging

extension RunCommand {
    /// The Go TLS probes go on each Go executable running when Tusk starts. Each executable it
    /// cannot probe is named once, with the reason; its encrypted connections are counted only.
    func attachGoTLS(_ session: ProbeSession, procRoot: String, pids: [Int32], logger: Logger) {
        var binaries: [GoTLSBinary] = []
        for found in GoExecutables.find(procRoot: procRoot, pids: pids) {
            let metadata: Logger.Metadata = ["path": "\(found.path)", "pids": "\(found.pids)"]
            if case .probeable(let binary) = found.inspection {
                binaries.append(binary)
            } else if let reason = found.inspection.unprobeableReason {
                logger.warning("\(reason)", metadata: metadata)
            }
        }
        let attachment = session.attachGoTLS(to: binaries)
        for failure in attachment.failures {
            logger.warning("Go TLS probes: \(failure)")
        }
        if !attachment.attached.isEmpty {
            let versions = Set(binaries.filter { attachment.attached.contains($0.path) }.map(\.goVersion)).sorted()
            logger.info(
                "Go TLS probes on: encrypted connections through Go's crypto/tls are seen",
                metadata: ["files": "\(attachment.attached)", "go": "\(versions.joined(separator: ","))"])
        }
    }
}
