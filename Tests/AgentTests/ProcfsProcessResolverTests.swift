import Foundation
import KernelRecords
import Scoping
import Spans
import Testing

@testable import Agent

/// A process's resource from procfs, here a directory of the test's own.
struct ProcfsProcessResolverTests {
    /// A fake /proc with one process: its environment, command line, executable and cgroup.
    static func procRoot(pid: Int32, environment: [String], arguments: [String], executable: String, cgroup: String) throws -> String {
        let root = NSTemporaryDirectory() + "tusk-proc-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let directory = "\(root)/\(pid)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        func nulSeparated(_ items: [String]) -> Data { Data(items.map { $0 + "\0" }.joined().utf8) }
        try nulSeparated(environment).write(to: URL(fileURLWithPath: "\(directory)/environ"))
        try nulSeparated(arguments).write(to: URL(fileURLWithPath: "\(directory)/cmdline"))
        try Data(cgroup.utf8).write(to: URL(fileURLWithPath: "\(directory)/cgroup"))
        try FileManager.default.createSymbolicLink(atPath: "\(directory)/exe", withDestinationPath: executable)
        return root
    }

    static func value(_ key: String, _ process: ObservedProcess) -> String? {
        for attribute in process.resourceAttributes where attribute.key == key {
            switch attribute.value {
            case .string(let text): return text
            case .int(let number): return String(number)
            default: return nil
            }
        }
        return nil
    }

    @Test func theResourceComesFromTheProcessItself() throws {
        let root = try Self.procRoot(
            pid: 4242, environment: ["PATH=/bin", "OTEL_SERVICE_NAME=checkout"], arguments: ["python3.11", "app.py", "--port", "8080"],
            executable: "/usr/bin/python3.11",
            cgroup: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/cri-containerd-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = ProcfsProcessResolver.Options(includeCommandLine: true)
        options.procRoot = root
        let process = ProcfsProcessResolver(options: options).process(pid: 4242, command: "python3")
        #expect(Self.value("service.name", process) == "checkout")
        #expect(Self.value("process.pid", process) == "4242")
        #expect(Self.value("process.executable.name", process) == "python3.11")
        #expect(Self.value("process.executable.path", process) == "/usr/bin/python3.11")
        #expect(Self.value("process.command_line", process) == "python3.11 app.py --port 8080")
        #expect(process.resourceAttributes.first { $0.key == "process.command_args" }?.value == .strings(["python3.11", "app.py", "--port", "8080"]))
        #expect(Self.value("container.id", process) == "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
        #expect(Self.value("k8s.pod.uid", process) == "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901")
    }

    @Test func anExplicitServiceNameWinsAndTheCommandLineCanBeLeftOut() throws {
        let root = try Self.procRoot(
            pid: 7, environment: ["OTEL_RESOURCE_ATTRIBUTES=service.name=from-attributes"], arguments: ["psql", "-c", "SELECT 'secret'"],
            executable: "/usr/lib/postgresql/15/bin/psql", cgroup: "0::/user.slice\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = ProcfsProcessResolver.Options(serviceName: "sidecar", includeCommandLine: false)
        options.procRoot = root
        let process = ProcfsProcessResolver(options: options).process(pid: 7, command: "psql")
        #expect(Self.value("service.name", process) == "sidecar")
        #expect(Self.value("process.command_line", process) == nil)
        #expect(!process.resourceAttributes.contains { $0.key == "process.command_args" })
        #expect(Self.value("process.executable.path", process) == "/usr/lib/postgresql/15/bin/psql")
        #expect(Self.value("container.id", process) == nil)
    }

    /// A process already gone: what the kernel said (its command name) is all there is.
    @Test func aProcessGoneFromProcfsKeepsItsCommandName() {
        var options = ProcfsProcessResolver.Options(includeCommandLine: true)
        options.procRoot = NSTemporaryDirectory() + "tusk-proc-empty-\(getpid())"
        let process = ProcfsProcessResolver(options: options).process(pid: 99, command: "cron-job")
        #expect(Self.value("service.name", process) == "cron-job")
        #expect(Self.value("process.executable.name", process) == "cron-job")
        #expect(Self.value("process.executable.path", process) == nil)
    }

    @Test func theServiceNameOfAnEnvironment() {
        #expect(ProcfsProcessResolver.serviceName(fromEnvironment: ["OTEL_SERVICE_NAME=a", "OTEL_RESOURCE_ATTRIBUTES=service.name=b"]) == "a")
        #expect(ProcfsProcessResolver.serviceName(fromEnvironment: ["OTEL_RESOURCE_ATTRIBUTES=team=x,service.name=b"]) == "b")
        #expect(ProcfsProcessResolver.serviceName(fromEnvironment: ["OTEL_SERVICE_NAME="]) == nil)
    }
}

/// A process the kernel announced: /proc while it is there, the kernel's reading once it is gone.
struct AnnouncedProcessTests {
    static let snapshot = ProcessSnapshot(
        pid: 5150, command: "python3", executablePath: "/usr/bin/python3.11", executableName: "python3.11",
        arguments: ["python3", "job.py"], environment: ["HOME=/root", "OTEL_SERVICE_NAME=nightly-job"])

    @Test func aProcessGoneFromProcKeepsWhatTheKernelRead() throws {
        var options = ProcfsProcessResolver.Options(includeCommandLine: true)
        options.procRoot = NSTemporaryDirectory() + "tusk-proc-empty-\(getpid())"  // no entry: the process exited
        let resolver = ProcfsProcessResolver(options: options)
        resolver.announce(Self.snapshot)
        let process = resolver.process(pid: 5150, command: "python3")
        #expect(ProcfsProcessResolverTests.value("service.name", process) == "nightly-job")
        #expect(ProcfsProcessResolverTests.value("process.executable.path", process) == "/usr/bin/python3.11")
        #expect(ProcfsProcessResolverTests.value("process.executable.name", process) == "python3.11")
        #expect(ProcfsProcessResolverTests.value("process.command_line", process) == "python3 job.py")
        // another thread of it: the same resource, not a fresh (empty) reading
        let worker = resolver.process(pid: 5150, command: "worker-1")
        #expect(worker.command == "worker-1")
        #expect(ProcfsProcessResolverTests.value("service.name", worker) == "nightly-job")
    }

    @Test func procWinsWhileTheProcessIsThere() throws {
        let root = try ProcfsProcessResolverTests.procRoot(
            pid: 5150, environment: ["OTEL_SERVICE_NAME=from-proc"], arguments: ["python3", "job.py", "--full"],
            executable: "/opt/python/bin/python3.12", cgroup: "0::/user.slice\n")
        defer { try? FileManager.default.removeItem(atPath: root) }
        var options = ProcfsProcessResolver.Options(includeCommandLine: true)
        options.procRoot = root
        let resolver = ProcfsProcessResolver(options: options)
        resolver.announce(Self.snapshot)
        let process = resolver.process(pid: 5150, command: "python3")
        #expect(ProcfsProcessResolverTests.value("service.name", process) == "from-proc")
        #expect(ProcfsProcessResolverTests.value("process.executable.path", process) == "/opt/python/bin/python3.12")
        #expect(ProcfsProcessResolverTests.value("process.command_line", process) == "python3 job.py --full")
    }

    /// A second announcement of the pid (an exec, or a new process with a reused pid) replaces the first.
    @Test func anotherAnnouncementOfThePidReplacesTheResource() throws {
        var options = ProcfsProcessResolver.Options(includeCommandLine: false)
        options.procRoot = NSTemporaryDirectory() + "tusk-proc-empty-\(getpid())"
        let resolver = ProcfsProcessResolver(options: options)
        resolver.announce(Self.snapshot)
        #expect(ProcfsProcessResolverTests.value("service.name", resolver.process(pid: 5150, command: "python3")) == "nightly-job")
        var next = Self.snapshot
        next.environment = ["OTEL_SERVICE_NAME=next-job"]
        resolver.announce(next)
        #expect(ProcfsProcessResolverTests.value("service.name", resolver.process(pid: 5150, command: "python3")) == "next-job")
    }
}

/// A process gone from /proc: its container from the cgroup id the kernel reported.
struct AnnouncedProcessCgroupTests {
    @Test func theContainerComesFromTheCgroupTheKernelReported() throws {
        let root = NSTemporaryDirectory() + "tusk-cgroupfs-\(getpid())"
        let containerID = String(repeating: "ab12", count: 16)
        let relative = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901.slice/cri-containerd-\(containerID).scope"
        try FileManager.default.createDirectory(atPath: root + relative, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/system.slice/other.service", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let inode = try #require(try FileManager.default.attributesOfItem(atPath: root + relative)[.systemFileNumber] as? NSNumber).uint64Value
        #expect(CgroupMount(hierarchy: .unified, mountPoint: root).path(ofCgroupID: inode) == relative)
        #expect(CgroupMount(hierarchy: .unified, mountPoint: root).path(ofCgroupID: 1) == nil)

        var options = ProcfsProcessResolver.Options(includeCommandLine: false)
        options.procRoot = root + "/no-proc"
        options.cgroupMount = CgroupMount(hierarchy: .unified, mountPoint: root)
        let resolver = ProcfsProcessResolver(options: options)
        var snapshot = AnnouncedProcessTests.snapshot
        snapshot.cgroupID = inode
        resolver.announce(snapshot)
        let process = resolver.process(pid: snapshot.pid, command: snapshot.command)
        #expect(ProcfsProcessResolverTests.value("container.id", process) == containerID)
        #expect(ProcfsProcessResolverTests.value("k8s.pod.uid", process) == "1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901")
    }
}
