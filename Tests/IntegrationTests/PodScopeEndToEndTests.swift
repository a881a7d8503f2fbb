import Foundation
import Testing
import TestSupport

/// `--scope pod` as a sidecar sees it: Tusk runs inside a container cgroup laid out the way
/// kubelet (systemd driver) and containerd lay it out, finds its pod from /proc/self/cgroup, and
/// traces that pod only; spans carry the pod's Kubernetes identity and each container's id.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct PodScopeEndToEndTests {
    let postgres: PostgresSandbox
    let mount: String

    init() throws {
        postgres = try PostgresSandbox.shared.get()
        let mountinfo = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        mount = try #require(
            mountinfo.split(separator: "\n").first { $0.contains(" - cgroup2 ") }.map { String($0.split(separator: " ")[4]) })
    }

    func hex64(_ seed: Int) -> String { String(repeating: String(format: "%016x", 0x1234_5678_9abc_def0 &+ seed), count: 4) }

    /// kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice/cri-containerd-<id>.scope
    func container(pod uid: String, id: String) -> String {
        let slice = uid.replacingOccurrences(of: "-", with: "_")
        return "\(mount)/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(slice).slice/cri-containerd-\(id).scope"
    }

    @Test func aSidecarTracesItsOwnPodWithItsIdentity() throws {
        let uid = "0f8e2a3c-1b2d-4e5f-8a9b-\(String(format: "%012x", getpid()))"
        let otherUID = "7a6b5c4d-3e2f-4a1b-9c8d-\(String(format: "%012x", getpid()))"
        let (tuskID, appID, neighbourID) = (hex64(1), hex64(2), hex64(3))
        let directories = [container(pod: uid, id: tuskID), container(pod: uid, id: appID), container(pod: otherUID, id: neighbourID)]
        for directory in directories {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        defer {
            // deepest first
            for directory in directories { rmdir(directory) }
            for directory in directories.map({ URL(fileURLWithPath: $0).deletingLastPathComponent().path }) { rmdir(directory) }
            rmdir("\(mount)/kubepods.slice/kubepods-burstable.slice")
            rmdir("\(mount)/kubepods.slice")
        }

        let receiver = try OTLPReceiver()
        let agent = try AgentProcess(
            arguments: ["--query-text", "raw", "--otlp-endpoint", receiver.endpoint, "--schedule-delay", "100"],
            environment: ["K8S_POD_UID": uid, "K8S_POD_NAME": "checkout-7d4b9", "K8S_NAMESPACE_NAME": "shop"],
            cgroup: directories[0])
        #expect(agent.stderrText.contains("scope: pod \(uid)"))

        // pg_sleep keeps the client alive while Tusk reads its /proc entry
        func psql(in directory: String, _ marker: String) throws {
            let client = ([postgres.binaries + "/psql", "-X", "-q", "-c", "'SELECT 1 AS \(marker)'", "-c", "'SELECT pg_sleep(0.6)'"]
                + postgres.connection()).joined(separator: " ")
            let run = try ChildProcess.run("/bin/sh", ["-c", "echo $$ > \(directory)/cgroup.procs && exec \(client)"])
            try #require(run.status == 0, "\(run.errorOutput)")
        }
        let marker = try EndMarker(postgres, cgroup: directories[1])
        try psql(in: directories[1], "in_app_container")
        try psql(in: directories[2], "in_neighbour_pod")
        // a query from the pod after both: by the time its span arrives, a span of the
        // neighbour's psql would have too
        try marker.send()
        let spans = try receiver.spans(through: marker)
        let texts = spans.compactMap { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String }
        #expect(texts.sorted() == ["SELECT 1 AS in_app_container", "SELECT pg_sleep(0.6)"])
        let first = try #require(spans.first { ($0["attributes"] as? [String: Any])?["db.query.text"] as? String == "SELECT 1 AS in_app_container" })
        let resource = first["resource"] as? [String: Any] ?? [:]
        #expect(resource["k8s.pod.uid"] as? String == uid)
        #expect(resource["k8s.pod.name"] as? String == "checkout-7d4b9")
        #expect(resource["k8s.namespace.name"] as? String == "shop")
        #expect(resource["container.id"] as? String == appID)
        #expect(agent.stop() == 0)
    }
}
