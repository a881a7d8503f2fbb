import Glibc

/// The OpenSSL files the TLS probes go on: the system's libssl, every libssl file a process maps
/// (a copy bundled with an application, a container's own) and every program file with OpenSSL
/// built in (its dynamic symbol table exports SSL_read and SSL_write, as node's does), once per
/// file. A uprobe belongs to the file, so a process that maps the file later is covered too.
public enum TLSLibraries {
    /// A file, as the agent can open it, and its identity (device, inode).
    public struct File: Sendable, Equatable {
        public enum Kind: String, Sendable {
            /// A shared libssl at one of the system's paths.
            case system
            /// A libssl elsewhere: bundled with an application, in a container, on LD_LIBRARY_PATH.
            case library
            /// A program file with OpenSSL built in.
            case program
            /// A Go executable: crypto/tls's Conn.Write and Conn.Read.
            case goProgram
        }

        public var path: String
        public var device: UInt64
        public var inode: UInt64
        public var kind: Kind
        /// Processes seen mapping the file when it was found (empty for the system's, unless one did).
        public var processes: [Int32]

        public init(path: String, device: UInt64, inode: UInt64, kind: Kind = .library, processes: [Int32] = []) {
            self.path = path
            self.device = device
            self.inode = inode
            self.kind = kind
            self.processes = processes
        }

        /// The (device, inode) the file is told apart by.
        public var identity: Identity { Identity(device: device, inode: inode) }
    }

    /// A file's identity.
    public struct Identity: Sendable, Hashable {
        public var device: UInt64
        public var inode: UInt64

        public init(device: UInt64, inode: UInt64) {
            self.device = device
            self.inode = inode
        }

        /// The identity of the regular file at `path`; nil if there is none.
        public init?(path: String) {
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        }

        /// The identity of the open regular file `fd`.
        public init?(fd: Int32) {
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
            self.init(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        }
    }

    /// The functions a program must export for the OpenSSL probes to go on it.
    public static let requiredFunctions: Set<String> = ["SSL_read", "SSL_write"]

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
        libraryPaths(inMaps: Array(text.utf8))
    }

    /// The same, from the bytes of the file: read while the process runs, so kept short.
    static func libraryPaths(inMaps bytes: [UInt8]) -> [String] {
        var paths: [String] = []
        let slash = UInt8(ascii: "/"), newline = UInt8(ascii: "\n"), space = UInt8(ascii: " ")
        let name = Array("libssl".utf8), library = Array(".so".utf8), deleted = Array(" (deleted)".utf8)
        var start = 0
        while start < bytes.count {
            let end = bytes[start...].firstIndex(of: newline) ?? bytes.count
            defer { start = end + 1 }
            // the path is what follows the fifth field; it may contain spaces
            var at = start
            for _ in 0..<5 {
                while at < end && bytes[at] == space { at += 1 }
                while at < end && bytes[at] != space { at += 1 }
            }
            while at < end && bytes[at] == space { at += 1 }
            guard at < end, bytes[at] == slash else { continue }
            let path = bytes[at..<end]
            let base = path[((path.lastIndex(of: slash) ?? at) + 1)...]
            guard base.starts(with: name), base.firstRange(of: library) != nil, !path.suffix(deleted.count).elementsEqual(deleted) else { continue }
            let text = String(decoding: path, as: UTF8.self)
            if !paths.contains(text) { paths.append(text) }
        }
        return paths
    }

    /// The system's libssl files, one entry per file.
    public static func system() -> [File] {
        find(procRoot: "", pids: [], scanning: false)
    }

    /// The files to attach to: the system's libssl, then the libssl files the processes under
    /// `procRoot` (only `pids` when given) map and their program files with OpenSSL built in,
    /// reached through each process's root so a container's file is the container's. One entry
    /// per (device, inode).
    public static func find(procRoot: String = "/proc", pids: [Int32] = []) -> [File] {
        find(procRoot: procRoot, pids: pids, scanning: true)
    }

    /// The libssl files process `pid` maps, as the agent reaches them (through the process's root).
    /// Nil when the process's maps cannot be read (it is gone).
    public static func libraries(procRoot: String, pid: Int32) -> [String]? {
        guard let maps = mappingBytes(procRoot: procRoot, pid: pid) else { return nil }
        return libraryPaths(inMaps: maps).map { "\(procRoot)/\(pid)/root\($0)" }
    }

    /// The text of process `pid`'s maps; nil when they cannot be read or the process is exiting: its
    /// mappings are gone (a zombie has none), or went while they were read, which cuts the text short.
    public static func mappings(procRoot: String, pid: Int32) -> String? {
        mappingBytes(procRoot: procRoot, pid: pid).map { String(decoding: $0, as: UTF8.self) }
    }

    static func mappingBytes(procRoot: String, pid: Int32) -> [UInt8]? {
        let path = "\(procRoot)/\(pid)/maps"
        guard let maps = readBytes(path), !maps.isEmpty, hasMappings(path) else { return nil }
        return maps
    }

    /// Whether the maps file at `path` still lists a mapping (its first byte can be read).
    private static func hasMappings(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var byte: UInt8 = 0
        return read(fd, &byte, 1) == 1
    }

    /// The program file of process `pid`, as the agent reaches it (through the process's root).
    public static func program(procRoot: String, pid: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("\(procRoot)/\(pid)/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard path.hasPrefix("/"), !path.hasSuffix(" (deleted)") else { return nil }
        return "\(procRoot)/\(pid)/root\(path)"
    }

    /// Whether process `pid` runs a PostgreSQL server: its program is named postgres or postmaster
    /// (its backends are forks of it).
    public static func runsPostgreSQLServer(procRoot: String = "/proc", pid: Int32) -> Bool {
        guard let path = program(procRoot: procRoot, pid: pid) else { return false }
        let name = path.split(separator: "/").last ?? ""
        return name == "postgres" || name == "postmaster"
    }

    /// Does the program file at `path` have OpenSSL built in (exporting SSL_read and SSL_write)?
    public static func hasOpenSSL(program path: String) -> Bool {
        ELFExports.defined(requiredFunctions, in: path) == requiredFunctions
    }

    /// The OpenSSL functions the open program file `fd` exports, by file offset; empty unless it
    /// has OpenSSL built in.
    public static func openSSLFunctions(program fd: Int32) -> [String: UInt64] {
        let functions = ELFExports.functions(Set(ProbeSession.tlsFunctions), fd: fd)
        return requiredFunctions.allSatisfy { functions[$0] != nil } ? functions : [:]
    }

    /// A path reached through a process's root (`/proc/PID/root/usr/lib/…`) as that process sees it,
    /// with the process's root named when it is not the agent's.
    public static func displayPath(_ path: String) -> String {
        let parts = path.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: true)
        guard parts.count == 4, parts[0] == "proc", Int32(parts[1]) != nil, parts[2] == "root" else { return path }
        let inside = "/" + parts[3]
        var own = stat(), theirs = stat()
        // a process that is gone has no root to compare: its path is shown as it saw it
        let otherRoot = stat("/", &own) == 0 && stat("/proc/\(parts[1])/root/", &theirs) == 0
            && (own.st_dev != theirs.st_dev || own.st_ino != theirs.st_ino)
        return otherRoot ? "\(inside) (in the file system of pid \(parts[1]))" : inside
    }

    private static func find(procRoot: String, pids: [Int32], scanning: Bool) -> [File] {
        var files: [File] = []
        var index: [Identity: Int] = [:]
        var programsChecked = Set<Identity>()
        func add(_ path: String, _ kind: File.Kind, pid: Int32?) {
            guard let identity = Identity(path: path) else { return }
            if let at = index[identity] {
                if let pid { files[at].processes.append(pid) }
                return
            }
            index[identity] = files.count
            files.append(File(path: path, device: identity.device, inode: identity.inode, kind: kind, processes: pid.map { [$0] } ?? []))
        }
        for path in systemPaths { add(path, .system, pid: nil) }
        guard scanning else { return files }
        for pid in pids.isEmpty ? processes(procRoot: procRoot) : pids {
            for path in libraries(procRoot: procRoot, pid: pid) ?? [] { add(path, .library, pid: pid) }
            guard let program = program(procRoot: procRoot, pid: pid), let identity = Identity(path: program) else { continue }
            if index[identity] != nil {
                add(program, .program, pid: pid)
            } else if programsChecked.insert(identity).inserted, hasOpenSSL(program: program) {
                add(program, .program, pid: pid)
            }
        }
        return files
    }

    static func processes(procRoot: String) -> [Int32] {
        guard let dir = opendir(procRoot) else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    static func readBytes(_ path: String) -> [UInt8]? {
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
        return bytes
    }
}
