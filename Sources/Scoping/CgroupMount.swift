// Where a cgroup hierarchy is mounted: turns a cgroup path into a directory.

/// One mounted cgroup hierarchy.
public struct CgroupMount: Hashable, Sendable {
    public var hierarchy: CgroupHierarchy
    /// The directory the hierarchy's root is mounted at, e.g. `/sys/fs/cgroup/unified`.
    public var mountPoint: String

    public init(hierarchy: CgroupHierarchy, mountPoint: String) {
        self.hierarchy = hierarchy
        self.mountPoint = mountPoint
    }

    /// Where systemd mounts `hierarchy` under `root` (/sys/fs/cgroup, or wherever the host's is
    /// bind-mounted into the container): v2 at the root itself, or at `unified/` on a hybrid host;
    /// a v1 hierarchy at a directory named by its controllers (`pids`, `cpu,cpuacct`) or by its
    /// name (`name=systemd` → `systemd`). Nil when the layout has no such hierarchy.
    public static func standard(_ hierarchy: CgroupHierarchy, layout: CgroupLayout, root: String = "/sys/fs/cgroup") -> CgroupMount? {
        let directory: String
        switch (hierarchy, layout) {
        case (.unified, .unified): directory = root
        case (.unified, .hybrid): directory = join(root, "unified")
        case (.unified, .legacy), (.legacy, .unified): return nil
        case (.legacy(let controllers), _):
            let names = controllers.map { $0.hasPrefix("name=") ? String($0.dropFirst("name=".count)) : $0 }
            directory = join(root, names.joined(separator: ","))
        }
        return CgroupMount(hierarchy: hierarchy, mountPoint: directory)
    }

    /// The absolute directory of a cgroup `path` (relative to the hierarchy root) on this mount.
    public func directory(of path: String) -> String {
        Self.join(mountPoint, CgroupPath(path).components.joined(separator: "/"))
    }

    private static func join(_ base: String, _ relative: String) -> String {
        let trimmed = base.count > 1 && base.hasSuffix("/") ? String(base.dropLast()) : base
        if relative.isEmpty { return trimmed }
        return trimmed == "/" ? "/" + relative : trimmed + "/" + relative
    }
}
