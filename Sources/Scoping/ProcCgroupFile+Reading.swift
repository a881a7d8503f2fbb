// Reading /proc/PID/cgroup from the file system.

extension ProcCgroupFile {
    /// Reads and parses a cgroup file such as /proc/self/cgroup.
    public init(contentsOf path: String) throws(ScopingError) {
        try self.init(parsing: CgroupFilesystem.contents(of: path), source: path)
    }

    /// Another process's cgroups. With hostPID every process on the node is visible; with a
    /// private cgroup namespace the paths are relative to Tusk's own cgroup (see `CgroupPath`).
    public init(pid: Int32) throws(ScopingError) {
        try self.init(contentsOf: "/proc/\(pid)/cgroup")
    }
}
