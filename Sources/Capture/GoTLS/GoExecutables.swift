import Glibc

/// The executables of running processes, inspected for Go's crypto/tls once per file (device,
/// inode) however many processes run it. Each is reached through its process's root, so a
/// container's executable is the container's file.
public enum GoExecutables {
    /// One distinct executable file and what inspecting it found.
    public struct Found: Sendable, Equatable {
        public var path: String
        /// The processes running it when it was found.
        public var pids: [Int32]
        public var inspection: GoTLSBinary.Inspection
    }

    /// The Go executables among the processes under `procRoot` (only `pids` when given); files that
    /// are not Go executables are left out.
    public static func find(procRoot: String = "/proc", pids: [Int32] = []) -> [Found] {
        var found: [Found] = []
        var byFile: [[UInt64]: Int] = [:]
        var notGo = Set<[UInt64]>()
        for pid in pids.isEmpty ? TLSLibraries.processes(procRoot: procRoot) : pids {
            guard let (path, identity) = executable(procRoot: procRoot, pid: pid) else { continue }
            if let index = byFile[identity] {
                found[index].pids.append(pid)
                continue
            }
            if notGo.contains(identity) { continue }
            let inspection = GoTLSBinary.inspect(path: path)
            if inspection == .notGo {
                notGo.insert(identity)
                continue
            }
            byFile[identity] = found.count
            found.append(Found(path: path, pids: [pid], inspection: inspection))
        }
        return found
    }

    /// A path to the process's executable the agent can open and attach to, and the file's
    /// identity. `/proc/PID/exe` names the file as the process sees it; through `/proc/PID/root`
    /// the agent sees the same file, unless it was replaced or deleted since: then the magic link
    /// itself stands in.
    static func executable(procRoot: String, pid: Int32) -> (String, [UInt64])? {
        let link = "\(procRoot)/\(pid)/exe"
        var info = stat()
        guard stat(link, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let identity = [UInt64(info.st_dev), UInt64(info.st_ino)]
        var target = [CChar](repeating: 0, count: 4096)
        let length = readlink(link, &target, target.count - 1)
        if length > 0 {
            let path = "\(procRoot)/\(pid)/root" + String(decoding: target[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            var seen = stat()
            if stat(path, &seen) == 0, UInt64(seen.st_dev) == identity[0], UInt64(seen.st_ino) == identity[1] {
                return (path, identity)
            }
        }
        return (link, identity)
    }
}
