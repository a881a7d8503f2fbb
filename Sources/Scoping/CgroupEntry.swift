// One line of /proc/PID/cgroup.

/// One hierarchy a process belongs to: `hierarchy-ID:controller-list:cgroup-path`.
public struct CgroupEntry: Hashable, Sendable {
    /// 0 for cgroup v2; v1 hierarchies are numbered from 1.
    public var hierarchyID: Int
    public var hierarchy: CgroupHierarchy
    public var path: CgroupPath

    public init(hierarchyID: Int, hierarchy: CgroupHierarchy, path: CgroupPath) {
        self.hierarchyID = hierarchyID
        self.hierarchy = hierarchy
        self.path = path
    }
}
