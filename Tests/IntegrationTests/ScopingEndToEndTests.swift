import Foundation
import Testing
import TestSupport

/// Pod scoping simulated on one machine: a cgroup standing for the pod and a sibling standing for
/// another pod, a PostgreSQL client in each; `tusk run --cgroup` must see the first only —
/// including processes started after Tusk and one in its own PID namespace (a pod's own view).
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct ScopingEndToEndTests {
    let postgres: PostgresSandbox
    let mount: String

    init() throws {
        postgres = try PostgresSandbox.shared.get()
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        mount = try #require(
            mountinfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") }.map { String($0.split(separator: " ")[4]) },
            "no cgroup v2 hierarchy mounted")
    }

    /// Runs `sql` with psql from inside cgroup `directory` (optionally in a new PID namespace).
    func psql(in directory: String, _ sql: String, ownPIDNamespace: Bool = false) throws -> ChildProcess {
        let client = ([postgres.binaries + "/psql", "-X", "-q", "-c", "'\(sql)'"] + postgres.connection()).joined(separator: " ")
        var command = "echo $$ > \(directory)/cgroup.procs && exec "
        command += ownPIDNamespace ? "unshare --pid --fork --mount-proc \(client)" : client
        let run = try ChildProcess.run("/bin/sh", ["-c", command])
        try #require(run.status == 0, "\(run.errorOutput)")
        return run
    }

    @Test func onlyTheScopedCgroupIsTraced() throws {
        let pod = "\(mount)/tusk-test-pod-\(getpid())"
        let neighbour = "\(mount)/tusk-test-neighbour-\(getpid())"
        for directory in [pod, neighbour] {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        defer {
            for directory in [pod, neighbour] { rmdir(directory) }
        }
        // a container of the pod: a child cgroup, made before Tusk starts
        try FileManager.default.createDirectory(atPath: pod + "/app", withIntermediateDirectories: true)
        defer { rmdir(pod + "/app") }

        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--cgroup", pod])
        let marker = try EndMarker(postgres, cgroup: pod + "/app")
        let inPod = try psql(in: pod + "/app", "SELECT 1 AS scoped_in_pod")
        let inNeighbour = try psql(in: neighbour, "SELECT 1 AS scoped_in_neighbour")
        // a container (re)started after Tusk, in its own PID namespace
        try FileManager.default.createDirectory(atPath: pod + "/restarted", withIntermediateDirectories: true)
        defer { rmdir(pod + "/restarted") }
        _ = try psql(in: pod + "/restarted", "SELECT 1 AS scoped_restarted", ownPIDNamespace: true)
        let outside = try ChildProcess.run(postgres.binaries + "/psql", ["-X", "-q", "-c", "SELECT 1 AS scoped_outside"] + postgres.connection())

        // a query from the pod after all of them: by the time its span is printed, a span of the
        // neighbour's or the outside psql would have been too
        try marker.send()
        let spans = try agent.spans(through: marker)
        let texts = spans.compactMap(\.text).filter { $0.contains("scoped_") }
        #expect(texts.sorted() == ["SELECT 1 AS scoped_in_pod", "SELECT 1 AS scoped_restarted"])
        #expect(spans.filter { $0.pid == inNeighbour.pid || $0.pid == outside.pid }.isEmpty)
        #expect(spans.contains { $0.pid == inPod.pid })
        #expect(agent.stop() == 0)
    }

    @Test func aCgroupOutsideTheHierarchyIsAClearError() throws {
        let run = try ChildProcess.run(AgentProcess.binary, ["run", "--listen", "off", "--cgroup", "/tmp"])
        #expect(run.status != 0)
        #expect(run.errorOutput.contains("not under the cgroup v2 mount"))
    }
}
