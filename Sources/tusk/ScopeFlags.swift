import ArgumentParser
import Capture
import Glibc
import Scoping

/// `--scope` and `--cgroup`: which processes Tusk traces, enforced in the kernel.
struct ScopeFlags: ParsableArguments {
    enum Scope: String, ExpressibleByArgument, CaseIterable {
        /// Tusk's own Kubernetes pod (a sidecar with hostPID): discovered from /proc/self/cgroup.
        case pod
        /// Every process on the node (a DaemonSet).
        case node
    }

    @Option(help: ArgumentHelp(
        "pod: only Tusk's own Kubernetes pod (found from its cgroup; the default inside a pod); node: every process (the default elsewhere).",
        valueName: "scope"))
    var scope: Scope?

    @Option(name: .customLong("cgroup"), help: ArgumentHelp(
        "Trace only processes inside this cgroup v2 directory and its descendants (repeatable, at most 8), e.g. /sys/fs/cgroup/kubepods.slice/…",
        valueName: "path"))
    var cgroups: [String] = []

    /// The scope to apply, its cgroup directories, and a line saying what it is.
    func resolve(environment: [String: String]) throws -> (
        subtrees: [CaptureOptions.CgroupSubtree], directories: [String], description: String, isPod: Bool
    ) {
        guard cgroups.count <= CaptureOptions.maxCgroups else {
            throw ValidationError("--cgroup may be given at most \(CaptureOptions.maxCgroups) times")
        }
        if !cgroups.isEmpty {
            guard scope != .pod else { throw ValidationError("--cgroup and --scope pod exclude each other") }
            let subtrees = try cgroups.map { try CgroupDirectory.subtree(path: $0) }
            let mount = CgroupDirectory.cgroup2MountPoint() ?? "/sys/fs/cgroup"
            let directories = cgroups.map { $0.hasPrefix("/") ? $0 : mount + "/" + $0 }
            return (subtrees, directories, "scope: cgroups \(cgroups.joined(separator: ", "))", false)
        }
        let podUID = environment["K8S_POD_UID"].flatMap { $0.isEmpty ? nil : $0 }
        let chosen = scope ?? (Self.insideKubernetesPod(podUID: podUID) ? .pod : .node)
        switch chosen {
        case .node:
            return ([], [], "scope: node (every process)", false)
        case .pod:
            do {
                let found = try PodScope.discover(podUID: podUID)
                let subtree = CaptureOptions.CgroupSubtree(id: found.cgroupID, level: UInt32(found.pod.level))
                return ([subtree], [found.directory], "scope: pod \(found.pod.podUID) (cgroup \(found.directory))", true)
            } catch {
                throw ValidationError("--scope pod: \(error)")
            }
        }
    }

    /// A pod: the downward API gave us our uid, or our cgroup path is under kubepods.
    static func insideKubernetesPod(podUID: String?) -> Bool {
        if podUID != nil { return true }
        guard let file = try? ProcCgroupFile(contentsOf: "/proc/self/cgroup") else { return false }
        return (try? file.podCgroup()) != nil
    }
}

/// A cgroup v2 directory as the kernel filter needs it: id (inode) and depth below the mount.
enum CgroupDirectory {
    static func subtree(path: String) throws -> CaptureOptions.CgroupSubtree {
        guard let mount = cgroup2MountPoint() else {
            throw ValidationError("--cgroup: no cgroup v2 hierarchy is mounted (see /proc/self/mountinfo)")
        }
        let absolute = path.hasPrefix("/") ? path : mount + "/" + path
        let normalized = absolute.split(separator: "/").joined(separator: "/")
        let root = mount.split(separator: "/").joined(separator: "/")
        guard normalized == root || normalized.hasPrefix(root + "/") else {
            throw ValidationError("--cgroup \(path): not under the cgroup v2 mount \(mount)")
        }
        var info = stat()
        guard stat(absolute, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ValidationError("--cgroup \(path): no such cgroup directory")
        }
        let level = normalized == root ? 0 : normalized.dropFirst(root.count + 1).split(separator: "/").count
        return CaptureOptions.CgroupSubtree(id: UInt64(info.st_ino), level: UInt32(level))
    }

    /// Where cgroup2 is mounted (/sys/fs/cgroup, or /sys/fs/cgroup/unified on hybrid hosts).
    static func cgroup2MountPoint() -> String? {
        guard let file = fopen("/proc/self/mountinfo", "r") else { return nil }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            let halves = text.components(separatedBy: " - ")
            guard halves.count == 2, halves[1].hasPrefix("cgroup2 ") else { continue }
            let fields = halves[0].split(separator: " ")
            if fields.count > 4 { return String(fields[4]) }
        }
        return nil
    }
}
