// Finding the pod Tusk runs in: /proc/self/cgroup first, the pod uid on the host's cgroup
// mount when a private cgroup namespace hides the path.

extension PodScope {
    /// How deep below the root a pod cgroup may be when searching by uid: kubepods, QoS class
    /// and pod are three levels, a kubelet --cgroup-root adds one or two (kind: kubelet.slice/
    /// kubelet-kubepods.slice/…).
    static let searchDepth = 5

    /// The pod cgroup of the calling process, as a directory on the cgroup v2 mount at
    /// `cgroupRoot` (or `cgroupRoot/unified` on hybrid hosts).
    ///
    /// - Parameters:
    ///   - procCgroupPath: the process's cgroup file.
    ///   - cgroupRoot: where the host's /sys/fs/cgroup is mounted.
    ///   - podUID: this pod's uid (downward API `K8S_POD_UID`); used to find the pod cgroup on
    ///     the mount when /proc/self/cgroup shows only '/' (private cgroup namespace).
    public static func discover(
        procCgroupPath: String = "/proc/self/cgroup",
        cgroupRoot: String = "/sys/fs/cgroup",
        podUID: String? = nil
    ) throws(ScopingError) -> PodScope {
        let file = try ProcCgroupFile(contentsOf: procCgroupPath)
        let mount = CgroupMount.standard(.unified, layout: file.layout, root: cgroupRoot)
        let pod: PodCgroup
        do throws(ScopingError) {
            pod = try file.podCgroup()
        } catch {
            guard case .privateCgroupNamespace = error, let mount, let podUID, !podUID.isEmpty else { throw error }
            pod = try findPod(uid: podUID, under: mount)
        }
        guard let mount else { throw .noUnifiedHierarchy(source: file.source) }
        return PodScope(pod: pod, directory: mount.directory(of: pod.path), cgroupID: try mount.cgroupID(of: pod.path))
    }

    /// Walks the hierarchy breadth-first for the cgroup kubelet made for pod `uid`, without
    /// descending into other pods or containers.
    static func findPod(uid: String, under mount: CgroupMount) throws(ScopingError) -> PodCgroup {
        let wanted = CgroupDirectoryName.podUID(uid)
        var level = ["/"]
        for _ in 0..<searchDepth where wanted != nil {
            var next: [String] = []
            for parent in level {
                for name in CgroupFilesystem.subdirectories(of: mount.directory(of: parent)) {
                    let child = parent == "/" ? "/" + name : parent + "/" + name
                    if let pod = CgroupPath(child).podCgroup {
                        if pod.podUID == wanted { return pod }
                    } else if CgroupDirectoryName.containerID(name) == nil {
                        next.append(child)
                    }
                }
            }
            level = next
        }
        throw .podNotFound(podUID: uid, cgroupRoot: mount.mountPoint)
    }
}
