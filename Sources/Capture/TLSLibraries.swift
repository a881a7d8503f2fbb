import Glibc

/// The OpenSSL library files the TLS probes go on: the system's libssl and every libssl file a
/// process maps when Tusk starts (a copy bundled with an application, a container's own), once per
/// file. A uprobe belongs to the file, so a process that maps the file later is covered too.
public enum TLSLibraries {
    /// A library file, as the agent can open it, and its identity (device, inode).
    public struct File: Sendable, Equatable {
        public var path: String
        public var device: UInt64
        public var inode: UInt64

        public init(path: String, device: UInt64, inode: UInt64) {
            self.path = path
            self.device = device
            self.inode = inode
        }
    }

    /// Where Debian, Ubuntu, Fedora and Alpine keep the shared OpenSSL library.
    public static let systemPaths = [
        "/lib/x86_64-linux-gnu/libssl.so.3", "/usr/lib/x86_64-linux-gnu/libssl.so.3",
        "/usr/lib64/libssl.so.3", "/usr/lib/libssl.so.3", "/lib/libssl.so.3",
        "/lib/x86_64-linux-gnu/libssl.so.1.1", "/usr/lib/x86_64-linux-gnu/libssl.so.1.1",
        "/usr/lib64/libssl.so.1.1", "/usr/lib/libssl.so.1.1",
    ]

    /// Is this the path of an OpenSSL libssl (`libssl.so.3`, `libssl-1a2b3c4d.so.3`, …)?
    public static func isLibSSL(_ path: Substring) -> Bool {
        let name = path.split(separator: "/").last ?? path[...]
        return name.hasPrefix("libssl") && name.contains(".so")
    }

    /// The libssl paths a `/proc/PID/maps` text names, each once, in order of appearance. Lines:
    /// `address perms offset dev inode path`; a file deleted since it was mapped says so and is
    /// left out (its path may name another file now).
    public static func libraryPaths(inMaps text: String) -> [String] {
        var seen = Set<Substring>()
        var paths: [String] = []
        for line in text.split(separator: "\n") {
            // the path is what follows the fifth field; it may contain spaces
            var rest = line[...]
            for _ in 0..<5 {
                rest = rest.drop(while: { $0 == " " }).drop(while: { $0 != " " })
            }
            let path = rest.drop(while: { $0 == " " })
            guard path.hasPrefix("/"), !path.hasSuffix(" (deleted)"), isLibSSL(path) else { continue }
            if seen.insert(path).inserted { paths.append(String(path)) }
        }
        return paths
    }

    /// The system's libssl files, one entry per file.
    public static func system() -> [File] {
        find(procRoot: "", pids: [], scanning: false)
    }

    /// The files to attach to: the system's libssl, then those the processes under `procRoot`
    /// (only `pids` when given) map, reached through each process's root so a container's file is
    /// the container's. One entry per (device, inode).
    public static func find(procRoot: String = "/proc", pids: [Int32] = []) -> [File] {
        find(procRoot: procRoot, pids: pids, scanning: true)
    }

    private static func find(procRoot: String, pids: [Int32], scanning: Bool) -> [File] {
        var files: [File] = []
        var known = Set<[UInt64]>()
        func add(_ path: String) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return }
            let identity = [UInt64(info.st_dev), UInt64(info.st_ino)]
            guard known.insert(identity).inserted else { return }
            files.append(File(path: path, device: identity[0], inode: identity[1]))
        }
        for path in systemPaths { add(path) }
        guard scanning else { return files }
        for pid in pids.isEmpty ? processes(procRoot: procRoot) : pids {
            guard let maps = readText("\(procRoot)/\(pid)/maps") else { continue }
            for path in libraryPaths(inMaps: maps) { add("\(procRoot)/\(pid)/root\(path)") }
        }
        return files
    }

    private static func processes(procRoot: String) -> [Int32] {
        guard let dir = opendir(procRoot) else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    private static func readText(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
