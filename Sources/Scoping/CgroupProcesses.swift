// The processes inside cgroup v2 subtrees, as their cgroup.procs files list them.

/// Which processes a cgroup scope holds now (a scoped agent's start: the processes its TLS probes
/// go on before anything is traced).
public enum CgroupProcesses {
    /// Most directories walked below each subtree root: a pod holds a handful of containers.
    static let maxDirectories = 4096

    /// The pids in `directories` and every cgroup below them, each once, in the reader's PID
    /// namespace; a directory that cannot be read adds none.
    public static func pids(under directories: [String]) -> [Int32] {
        var pids: [Int32] = []
        var seen = Set<Int32>()
        for root in directories {
            var pending = [root]
            var walked = 0
            while let directory = pending.popLast(), walked < maxDirectories {
                walked += 1
                let listed = (try? CgroupFilesystem.contents(of: directory + "/cgroup.procs")) ?? ""
                for line in listed.split(separator: "\n") {
                    if let pid = Int32(line), seen.insert(pid).inserted { pids.append(pid) }
                }
                pending += CgroupFilesystem.subdirectories(of: directory).map { directory + "/" + $0 }
            }
        }
        return pids
    }
}
