// /proc/PID/cgroup: lines in, entries out, and the pod they point to.

/// The contents of /proc/PID/cgroup, one entry per hierarchy the process is in
/// (https://man7.org/linux/man-pages/man7/cgroups.7.html, "/proc/pid/cgroup"):
///
///     12:pids:/kubepods/burstable/pod<uid>/<id>     v1: hierarchy id, controllers, path
///     1:name=systemd:/kubepods/burstable/pod<uid>/<id>  v1 named hierarchy, no controller
///     0::/kubepods.slice/…/cri-containerd-<id>.scope    v2: id 0, empty controller list
///
/// cgroup v2 hosts have only the `0::` line, v1 hosts only numbered ones, hybrid hosts both.
public struct ProcCgroupFile: Hashable, Sendable {
    /// Where the contents came from, for messages (`/proc/self/cgroup`, `/proc/42/cgroup`).
    public var source: String
    public var entries: [CgroupEntry]

    public init(parsing contents: String, source: String = "/proc/self/cgroup") throws(ScopingError) {
        self.source = source
        entries = []
        for (offset, line) in contents.split(separator: "\n").enumerated() where !line.isEmpty {
            // The path itself may contain ':', so split at the first two only.
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3, let id = Int(fields[0]), id >= 0, fields[2].hasPrefix("/") else {
                throw .malformedLine(source: source, number: offset + 1, text: String(line))
            }
            let controllers = fields[1].split(separator: ",").map(String.init)
            let hierarchy: CgroupHierarchy = id == 0 && controllers.isEmpty ? .unified : .legacy(controllers: controllers)
            entries.append(CgroupEntry(hierarchyID: id, hierarchy: hierarchy, path: CgroupPath(String(fields[2]))))
        }
        guard !entries.isEmpty else { throw .empty(source: source) }
    }

    /// The cgroup v2 entry, if the host has a v2 hierarchy.
    public var unified: CgroupEntry? { entries.first { $0.hierarchy == .unified } }

    public var layout: CgroupLayout {
        let hasLegacy = entries.contains { $0.hierarchy != .unified }
        switch (unified != nil, hasLegacy) {
        case (true, false): return .unified
        case (true, true): return .hybrid
        case (false, _): return .legacy
        }
    }

    /// The pod cgroup this process's container is in.
    ///
    /// Looks at the v2 entry first (its ids are what the kernel filter compares), then the v1
    /// ones; kubelet names a pod's cgroup the same in every hierarchy.
    public func podCgroup() throws(ScopingError) -> PodCgroup {
        for entry in entriesByPreference {
            if let pod = entry.path.podCgroup { return pod }
        }
        if entries.allSatisfy(\.path.isRoot) { throw .privateCgroupNamespace(source: source) }
        var paths: [String] = []
        for entry in entriesByPreference where !paths.contains(entry.path.description) {
            paths.append(entry.path.description)
        }
        throw .notInPod(source: source, paths: paths)
    }

    /// The container and pod of this process, from the first entry that names a container.
    public var containerIdentity: ContainerIdentity {
        let identities = entriesByPreference.map(\.path.containerIdentity)
        return identities.first { $0.containerID != nil } ?? identities.first { $0.podUID != nil } ?? ContainerIdentity()
    }

    /// v2 first, then systemd's named hierarchy (on v1 it follows the unit tree), then the rest.
    private var entriesByPreference: [CgroupEntry] {
        func rank(_ entry: CgroupEntry) -> Int {
            switch entry.hierarchy {
            case .unified: return 0
            case .legacy(let controllers) where controllers == ["name=systemd"]: return 1
            case .legacy: return 2
            }
        }
        return entries.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }
}
