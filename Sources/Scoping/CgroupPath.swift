// A cgroup path from /proc/PID/cgroup, and what kubelet and the runtimes encoded in it.

/// A cgroup path as /proc/PID/cgroup shows it, e.g.
/// `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice/cri-containerd-<id>.scope`.
///
/// The kernel writes the path relative to the *reader's* cgroup namespace root. A process in a
/// private cgroup namespace sees its own cgroup as `/`, and the cgroups of processes outside its
/// namespace root with leading `..` steps (`/../cri-containerd-<id>.scope` for a neighbour in the
/// same pod).
public struct CgroupPath: Hashable, Sendable, CustomStringConvertible {
    /// The directory names from the root down; `..` steps are kept.
    public var components: [String]

    public init(_ text: String) {
        components = text.split(separator: "/").map(String.init)
    }

    public var description: String { "/" + components.joined(separator: "/") }

    /// The root of the hierarchy (or of the reader's cgroup namespace).
    public var isRoot: Bool { components.isEmpty }

    /// The path climbs out of the reader's cgroup namespace with `..`: the names it starts from
    /// are unknown, so it says nothing about the pod or QoS class above that point.
    public var isNamespaceRelative: Bool { components.first == ".." }

    /// The Kubernetes pod cgroup on this path, or nil when the path is not inside a pod.
    ///
    /// Only a path from the hierarchy root qualifies (not a namespace-relative one), since the
    /// QoS class and the pod cgroup's place in the tree come from the names above the pod.
    public var podCgroup: PodCgroup? {
        guard !isNamespaceRelative else { return nil }
        for (index, name) in components.enumerated() {
            let pod: (uid: String, qos: QoSClass)?
            if let systemd = CgroupDirectoryName.systemdPod(name) {
                pod = systemd
            } else if let uid = CgroupDirectoryName.cgroupfsPod(name) {
                pod = cgroupfsQoS(parentsOf: index).map { (uid, $0) }
            } else {
                pod = nil
            }
            guard let pod else { continue }
            return PodCgroup(
                podUID: pod.uid,
                qosClass: pod.qos,
                path: "/" + components[...index].joined(separator: "/"),
                containerID: containerID(in: components[(index + 1)...]))
        }
        return nil
    }

    /// The container and pod a process belongs to, as far as this path shows them.
    ///
    /// Looser than `podCgroup`: it accepts namespace-relative paths, so a process that reads
    /// other processes' /proc/PID/cgroup from inside a private cgroup namespace still learns
    /// their container ids (and pod uids, when the pod's cgroup name is below the common
    /// ancestor).
    public var containerIdentity: ContainerIdentity {
        let podUID = components.lazy.compactMap {
            CgroupDirectoryName.systemdPod($0)?.uid ?? CgroupDirectoryName.cgroupfsPod($0)
        }.first
        return ContainerIdentity(containerID: containerID(in: components[...]), podUID: podUID)
    }

    /// The deepest container name: runtimes may nest a cgroup inside the container's own
    /// (`crio-<id>.scope/container`), and the container is the one with the id.
    private func containerID(in names: ArraySlice<String>) -> String? {
        names.reversed().lazy.compactMap(CgroupDirectoryName.containerID).first
    }

    /// The QoS class of a cgroupfs pod cgroup at `index`, or nil when its parents are not
    /// kubelet's: `kubepods/pod<uid>` or `kubepods/{burstable,besteffort}/pod<uid>`.
    private func cgroupfsQoS(parentsOf index: Int) -> QoSClass? {
        guard index >= 1 else { return nil }
        let parent = components[index - 1]
        if parent == "kubepods" { return .guaranteed }
        guard index >= 2, components[index - 2] == "kubepods" else { return nil }
        let qos = QoSClass(cgroupName: parent)
        return qos == .guaranteed ? nil : qos
    }
}
