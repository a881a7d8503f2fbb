// The pod cgroup found on a cgroup path: the unit that `--scope pod` traces.

/// A Kubernetes pod's cgroup and the container inside it that the path led through.
public struct PodCgroup: Hashable, Sendable {
    /// The pod's uid with dashes, as in `metadata.uid`.
    public var podUID: String
    public var qosClass: QoSClass
    /// The pod cgroup relative to the hierarchy root, e.g.
    /// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice`.
    public var path: String
    /// The container below the pod cgroup that the path went through; nil when the path ends at
    /// the pod or the runtime's naming is unknown.
    public var containerID: String?

    public init(podUID: String, qosClass: QoSClass, path: String, containerID: String? = nil) {
        self.podUID = podUID
        self.qosClass = qosClass
        self.path = path
        self.containerID = containerID
    }

    /// The pod cgroup's depth below the hierarchy root (the root is level 0): the level to pass
    /// to `bpf_get_current_ancestor_cgroup_id()` to get the pod's cgroup id from any task in it.
    /// Counted from the root the path is relative to: on a node that is itself a container with
    /// its own cgroup namespace (kind), the kernel's level is deeper; a cgroup array with
    /// `bpf_current_task_under_cgroup()` needs no level at all.
    public var level: Int { CgroupPath(path).components.count }
}
