// Which cgroup hierarchy one line of /proc/PID/cgroup is about.

/// A cgroup hierarchy as /proc/PID/cgroup names it.
public enum CgroupHierarchy: Hashable, Sendable {
    /// cgroup v2, the line `0::/path`. Its directory inode numbers are the ids that
    /// `bpf_get_current_cgroup_id()` returns.
    case unified
    /// A cgroup v1 hierarchy, named by its controllers (`["cpu", "cpuacct"]`) or by a name
    /// (`["name=systemd"]`).
    case legacy(controllers: [String])
}
