import Glibc

/// Why the probes could not be loaded or attached, phrased for the person running Tusk.
public struct CaptureError: Error, CustomStringConvertible, Sendable {
    public let step: String
    public let errno: Int32
    public let detail: String
    /// The program the kernel's verifier refused, and why, when that is what failed.
    public let rejected: ProgramVerdict?

    public var description: String {
        if let rejected {
            let cost = rejected.instructions > 0 ? " (\(rejected.instructions) instructions processed)" : ""
            return "\(step): kernel \(ProgramVerdict.kernelRelease) rejected program \(rejected.program) "
                + "(\(rejected.section)): \(rejected.reason)\(cost)"
        }
        switch errno {
        case EACCES where step.contains("load") && geteuid() == 0:
            // as root, EACCES from BPF_PROG_LOAD is the verifier refusing a memory access
            return "\(step): the kernel's verifier rejected the programs: \(detail)"
        case EPERM, EACCES:
            return "\(step): permission denied — run as root, or grant CAP_BPF and CAP_PERFMON"
        case ENOENT where step.contains("attach"):
            return "\(step): syscall tracepoints not found — is tracefs mounted at /sys/kernel/tracing?"
        case EINVAL where step.contains("load"), ENOTSUP, ENOSYS, E2BIG:
            return "\(step): the kernel rejected the programs (Linux ≥ 5.17 with BTF is required): \(detail)"
        default:
            return "\(step): \(detail)"
        }
    }

    public init(step: String, errno: Int32, detail: String, rejected: ProgramVerdict? = nil) {
        self.step = step
        self.errno = errno
        self.detail = detail
        self.rejected = rejected
    }
}
