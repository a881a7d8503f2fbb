// The cgroup id of a directory on a mounted hierarchy (for --cgroup PATH and the pod scope).

extension CgroupMount {
    /// The cgroup v2 id of `path` (relative to the hierarchy root): its directory's inode number.
    public func cgroupID(of path: String) throws(ScopingError) -> UInt64 {
        let directory = directory(of: path)
        guard let id = CgroupFilesystem.inode(ofDirectory: directory) else { throw .missingDirectory(path: directory) }
        return id
    }
}
