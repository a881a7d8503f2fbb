// Why the pod to trace could not be found, in words an operator can act on.

public enum ScopingError: Error, Hashable, Sendable, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case malformedLine(source: String, number: Int, text: String)
    case empty(source: String)
    case notInPod(source: String, paths: [String])
    case privateCgroupNamespace(source: String)
    case podNotFound(podUID: String, cgroupRoot: String)
    case noUnifiedHierarchy(source: String)
    case missingDirectory(path: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .malformedLine(let source, let number, let text):
            return "\(source) line \(number) is not 'ID:CONTROLLERS:/PATH': \"\(text)\""
        case .empty(let source):
            return "\(source) is empty: no cgroup hierarchy is mounted"
        case .notInPod(let source, let paths):
            return "not running in a Kubernetes pod: \(source) has no kubepods path (\(paths.joined(separator: ", "))); "
                + "use --scope node, or --cgroup PATH for a cgroup of your choice"
        case .privateCgroupNamespace(let source):
            return "cannot find this pod's cgroup: \(source) shows only '/', so this container has a private cgroup "
                + "namespace (the default for unprivileged containers on cgroup v2 with containerd and CRI-O). "
                + "Discovery from \(source) needs the host cgroup namespace, and hostPID: true does not give it. "
                + "Set K8S_POD_UID from the downward API (fieldRef metadata.uid) and mount the host's /sys/fs/cgroup "
                + "read-only, so the pod's cgroup can be found by uid; or pass --cgroup PATH"
        case .podNotFound(let uid, let root):
            return "no cgroup for pod \(uid) under \(root): mount the host's /sys/fs/cgroup there (hostPath, read-only) "
                + "and check that K8S_POD_UID is this pod's metadata.uid"
        case .noUnifiedHierarchy(let source):
            return "this host has only cgroup v1 (no '0::' line in \(source)): pod scope filters by cgroup v2 id, "
                + "so it needs a cgroup v2 or hybrid host; use --scope node"
        case .missingDirectory(let path):
            return "pod cgroup directory \(path) does not exist: mount the host's /sys/fs/cgroup read-only (hostPath) "
                + "at the cgroup root Tusk reads; on a hybrid host the runtime must also place pods in the v2 hierarchy "
                + "(systemd cgroup driver)"
        }
    }
}
