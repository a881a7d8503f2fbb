// How a host mounts its cgroup hierarchies, which decides where the v2 one is.

/// The three ways Linux distributions lay out cgroups.
public enum CgroupLayout: Hashable, Sendable {
    /// cgroup v2 only, mounted at /sys/fs/cgroup.
    case unified
    /// cgroup v1 controllers under /sys/fs/cgroup/<controller>, plus cgroup v2 at
    /// /sys/fs/cgroup/unified (systemd's "hybrid" mode).
    case hybrid
    /// cgroup v1 only: there is no v2 hierarchy to take cgroup ids from.
    case legacy
}
