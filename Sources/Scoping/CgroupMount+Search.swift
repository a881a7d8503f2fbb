// The cgroup directory with a given id, for a process the kernel reported by its cgroup id.

extension CgroupMount {
    /// The cgroup v2 hierarchy under `root`: the root itself on a unified host, `unified/` on a
    /// hybrid one; nil without one.
    public static func unified(root: String = "/sys/fs/cgroup") -> CgroupMount? {
        for directory in [root, root + "/unified"] where (try? CgroupFilesystem.contents(of: directory + "/cgroup.controllers")) != nil {
            return CgroupMount(hierarchy: .unified, mountPoint: directory)
        }
        return nil
    }

    /// The path (from the hierarchy root, e.g. `/kubepods.slice/…/cri-containerd-<id>.scope`) of
    /// the cgroup whose id is `id` — its directory's inode number — looked for breadth first
    /// among at most `limit` directories; nil when not found.
    public func path(ofCgroupID id: UInt64, limit: Int = 100_000) -> String? {
        if CgroupFilesystem.inode(ofDirectory: mountPoint) == id { return "/" }
        var queue: [String] = [""]
        var next = 0
        while next < queue.count && next < limit {
            let relative = queue[next]
            next += 1
            for name in CgroupFilesystem.subdirectories(of: directory(of: relative)) {
                let child = relative + "/" + name
                if CgroupFilesystem.inode(ofDirectory: directory(of: child)) == id { return child }
                queue.append(child)
            }
        }
        return nil
    }
}
