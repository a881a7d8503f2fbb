// The pod QoS class, which decides where kubelet puts the pod's cgroup.

/// A pod's quality-of-service class, spelled as in the pod's `status.qosClass`.
///
/// kubelet nests burstable and best-effort pods under a cgroup per class; guaranteed pods sit
/// directly under the kubepods cgroup.
public enum QoSClass: String, Hashable, Sendable {
    case guaranteed = "Guaranteed"
    case burstable = "Burstable"
    case bestEffort = "BestEffort"

    /// The class from kubelet's cgroup name for it ("burstable", "besteffort"); anything else is
    /// the kubepods cgroup itself, where guaranteed pods live.
    init(cgroupName: some StringProtocol) {
        switch String(cgroupName) {
        case "burstable": self = .burstable
        case "besteffort": self = .bestEffort
        default: self = .guaranteed
        }
    }
}
