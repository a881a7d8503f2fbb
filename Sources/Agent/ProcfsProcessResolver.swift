import Export
import Glibc
import KernelRecords
import Scoping
import Spans

/// Resource attributes of an observed process, read from /proc when the kernel announces the
/// process's first connection (the reader is woken for it at once, while the process runs) and
/// remembered. What /proc no longer has — the process exited first — comes from the kernel's own
/// reading of the process (`ProcessSnapshot`): its executable, arguments and environment.
///
/// service.name: Tusk's own `--service-name`/OTEL_SERVICE_NAME when set explicitly (a sidecar);
/// else the process's own OTEL_SERVICE_NAME, or service.name in its OTEL_RESOURCE_ATTRIBUTES
/// (from /proc/PID/environ), so Tusk's spans land under the application's service; else its
/// executable name.
public final class ProcfsProcessResolver: ProcessResolver {
    public struct Options {
        /// An explicit service name for every process (`--service-name`, OTEL_SERVICE_NAME).
        public var serviceName: String?
        /// Add process.command_line and process.command_args (`--process-command-line`; off by
        /// default: arguments may hold secrets).
        public var includeCommandLine: Bool
        /// Tusk's own pod from the downward API (K8S_POD_NAME, K8S_NAMESPACE_NAME, K8S_POD_UID):
        /// processes in that pod get k8s.pod.name and k8s.namespace.name.
        public var ownPod: OwnPod?
        /// Only Tusk's own pod is traced (`--scope pod`): every process belongs to it.
        public var podScope = false
        /// Where procfs is (tests point it at a directory of their own).
        public var procRoot = "/proc"
        /// The cgroup v2 hierarchy, to find a process's cgroup by its id (tests point it at a
        /// directory of their own); nil: the one under /sys/fs/cgroup.
        public var cgroupMount: CgroupMount?
        public var capacity = 4096

        public init(serviceName: String? = nil, includeCommandLine: Bool, ownPod: OwnPod? = nil, podScope: Bool = false) {
            self.serviceName = serviceName
            self.includeCommandLine = includeCommandLine
            self.ownPod = ownPod
            self.podScope = podScope
        }
    }

    public struct OwnPod {
        public var uid: String?
        public var name: String?
        public var namespace: String?

        public init?(environment: [String: String]) {
            func value(_ key: String) -> String? { environment[key].flatMap { $0.isEmpty ? nil : $0 } }
            uid = value("K8S_POD_UID")
            name = value("K8S_POD_NAME")
            namespace = value("K8S_NAMESPACE_NAME")
            if uid == nil && name == nil && namespace == nil { return nil }
        }
    }

    /// A process's resource, and whether the kernel announced it (then it stands until the
    /// kernel announces that pid again, after an exec or for a new process).
    private struct Known {
        var process: ObservedProcess
        var announced: Bool
    }

    private let options: Options
    private var known: [Int32: Known] = [:]
    private var last: ObservedProcess?

    public init(options: Options) {
        self.options = options
    }

    public func process(pid: Int32, command: String) -> ObservedProcess {
        // consecutive spans mostly come from one process: no hashing for those
        if let last, last.pid == pid, last.command == command { return last }
        let process: ObservedProcess
        if let entry = known[pid], entry.process.command == command {
            process = entry.process
        } else if let entry = known[pid], entry.announced {
            // another thread's name: the same process, which may be gone from /proc by now
            process = ObservedProcess(pid: pid, command: command, resourceAttributes: entry.process.resourceAttributes)
            known[pid]?.process = process
        } else {
            process = ObservedProcess(pid: pid, command: command, resourceAttributes: attributes(pid: pid, command: command))
            remember(Known(process: process, announced: false))
        }
        last = process
        return process
    }

    public func announce(_ snapshot: ProcessSnapshot) {
        let attributes = attributes(pid: snapshot.pid, command: snapshot.command, snapshot: snapshot)
        let process = ObservedProcess(pid: snapshot.pid, command: snapshot.command, resourceAttributes: attributes)
        remember(Known(process: process, announced: true))
        if last?.pid == snapshot.pid { last = nil }
    }

    private func remember(_ entry: Known) {
        if known.count >= options.capacity && known[entry.process.pid] == nil { known.removeAll(keepingCapacity: true) }
        known[entry.process.pid] = entry
    }

    func attributes(pid: Int32, command: String, snapshot: ProcessSnapshot? = nil) -> [SpanAttribute] {
        let directory = "\(options.procRoot)/\(pid)"
        let executablePath = readLink("\(directory)/exe") ?? snapshot?.executablePath
        let executableName = executablePath.map { String($0.split(separator: "/").last ?? Substring(command)) }
            ?? snapshot?.executableName ?? command
        var environment = readNulSeparated("\(directory)/environ")
        if environment.isEmpty, let snapshot { environment = snapshot.environment }
        let serviceName = options.serviceName ?? Self.serviceName(fromEnvironment: environment) ?? executableName
        var attributes: [SpanAttribute] = [
            .string("service.name", serviceName),
            .int("process.pid", Int64(pid)),
            .string("process.executable.name", executableName),
        ]
        if let executablePath { attributes.append(.string("process.executable.path", executablePath)) }
        if options.includeCommandLine {
            var arguments = readNulSeparated("\(directory)/cmdline")
            if arguments.isEmpty, let snapshot { arguments = snapshot.arguments }
            if !arguments.isEmpty {
                attributes.append(.string("process.command_line", arguments.joined(separator: " ")))
                attributes.append(SpanAttribute("process.command_args", .strings(arguments)))
            }
        }
        var podUID: String?
        if let cgroups = (try? ProcCgroupFile(contentsOf: "\(directory)/cgroup")) ?? snapshot.flatMap(cgroupFile) {
            let identity = cgroups.containerIdentity
            if let container = identity.containerID { attributes.append(.string("container.id", container)) }
            podUID = identity.podUID
        }
        if let own = options.ownPod, options.podScope || (podUID != nil && podUID == own.uid) {
            podUID = podUID ?? own.uid
            if let name = own.name { attributes.append(.string("k8s.pod.name", name)) }
            if let namespace = own.namespace { attributes.append(.string("k8s.namespace.name", namespace)) }
        }
        if let podUID { attributes.append(.string("k8s.pod.uid", podUID)) }
        return attributes
    }

    /// The cgroup the kernel reported for a process gone from /proc, as /proc/PID/cgroup would
    /// have named it (its cgroup v2 path; the directory outlives the process while its container runs).
    private func cgroupFile(_ snapshot: ProcessSnapshot) -> ProcCgroupFile? {
        guard snapshot.cgroupID != 0, let mount = options.cgroupMount ?? CgroupMount.unified(),
            let path = mount.path(ofCgroupID: snapshot.cgroupID)
        else { return nil }
        return try? ProcCgroupFile(parsing: "0::\(path)\n", source: "cgroup id \(snapshot.cgroupID)")
    }

    /// OTEL_SERVICE_NAME, else service.name inside OTEL_RESOURCE_ATTRIBUTES, of an environment.
    public static func serviceName(fromEnvironment environment: [String]) -> String? {
        var fromAttributes: String?
        for entry in environment {
            if entry.hasPrefix("OTEL_SERVICE_NAME=") {
                let value = String(entry.dropFirst("OTEL_SERVICE_NAME=".count))
                if !value.isEmpty { return value }
            } else if entry.hasPrefix("OTEL_RESOURCE_ATTRIBUTES=") {
                let pairs = KeyValueList.parse(String(entry.dropFirst("OTEL_RESOURCE_ATTRIBUTES=".count))).pairs
                fromAttributes = pairs.last { $0.key == "service.name" && !$0.value.isEmpty }?.value
            }
        }
        return fromAttributes
    }

    private func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink(path, &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        let bytes = buffer[0..<n].map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }

    private func readNulSeparated(_ path: String) -> [String] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var content: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16384)
        while content.count < 1 << 20 {
            let n = read(fd, &buffer, buffer.count)
            if n <= 0 { break }
            content += buffer[0..<n]
        }
        return content.split(separator: 0, omittingEmptySubsequences: true).map { String(decoding: $0, as: UTF8.self) }
    }
}

