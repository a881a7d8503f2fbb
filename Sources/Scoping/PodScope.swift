// The result of pod discovery: the directory and cgroup id the kernel filter uses.

/// The pod cgroup to trace, on the host's cgroup v2 hierarchy.
public struct PodScope: Hashable, Sendable {
    public var pod: PodCgroup
    /// The pod cgroup's absolute directory on the v2 mount, e.g.
    /// `/sys/fs/cgroup/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice`.
    public var directory: String
    /// The cgroup v2 id: the inode number of `directory`, which is what
    /// `bpf_get_current_ancestor_cgroup_id(pod.level)` returns for tasks in the pod.
    public var cgroupID: UInt64

    public init(pod: PodCgroup, directory: String, cgroupID: UInt64) {
        self.pod = pod
        self.directory = directory
        self.cgroupID = cgroupID
    }
}
