// Discovery against a cgroup tree made of plain directories in a temporary folder: the same
// walk and stat calls as on /sys/fs/cgroup, without needing a real pod.

import Foundation
import Testing

@testable import Scoping

@Suite struct PodScopeDiscoveryTests {
    /// A throwaway folder standing in for the host's /sys/fs/cgroup, plus a fake /proc/self/cgroup.
    final class FakeHost {
        let root: URL
        let procCgroup: String

        init(procCgroup contents: String, directories: [String]) throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("scoping-\(UUID().uuidString)")
            for directory in ["/"] + directories {
                try FileManager.default.createDirectory(
                    at: root.appendingPathComponent("cgroup" + directory), withIntermediateDirectories: true)
            }
            procCgroup = root.appendingPathComponent("proc-self-cgroup").path
            try contents.write(toFile: procCgroup, atomically: true, encoding: .utf8)
        }

        var cgroupRoot: String { root.appendingPathComponent("cgroup").path }

        func inode(_ path: String) throws -> UInt64 {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            return try #require(attributes[.systemFileNumber] as? UInt64)
        }

        deinit { try? FileManager.default.removeItem(at: root) }
    }

    static let burstable = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice"
    static let container = burstable + "/cri-containerd-b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a.scope"
    static let otherPod = "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod3f10dbe8_4cbd_5e31_9b1f_af0cb9dda9cf.slice"

    @Test func fromProcSelfCgroupOnAV2Host() throws {
        let host = try FakeHost(procCgroup: "0::\(Self.container)\n", directories: [Self.container, Self.otherPod])
        let scope = try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot)
        #expect(scope.pod.podUID == Fixture.uid)
        #expect(scope.pod.containerID == Fixture.tusk)
        #expect(scope.directory == host.cgroupRoot + Self.burstable)
        #expect(scope.cgroupID == (try host.inode(host.cgroupRoot + Self.burstable)))
    }

    @Test func fromProcSelfCgroupOnAHybridHost() throws {
        let pod = "/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce"
        let host = try FakeHost(
            procCgroup: LayoutCase.hybrid.procCgroup(for: pod + "/" + Fixture.tusk),
            directories: ["/unified" + pod + "/" + Fixture.tusk, "/pids" + pod])
        let scope = try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot)
        #expect(scope.directory == host.cgroupRoot + "/unified" + pod)
        #expect(scope.cgroupID == (try host.inode(scope.directory)))
    }

    @Test func byPodUIDInAPrivateCgroupNamespace() throws {
        // kind-style nesting, with other pods and a Docker container on the way.
        let wanted = "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice"
        let host = try FakeHost(procCgroup: "0::/\n", directories: [
            "/system.slice/docker-d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420.scope/deep/er",
            "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-pod3f10dbe8_4cbd_5e31_9b1f_af0cb9dda9cf.slice/cri-containerd-a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333.scope",
            wanted + "/cri-containerd-b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a.scope",
        ])
        let scope = try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot, podUID: Fixture.uid)
        #expect(scope.pod == PodCgroup(podUID: Fixture.uid, qosClass: .bestEffort, path: wanted, containerID: nil))
        #expect(scope.pod.level == 4)
        #expect(scope.cgroupID == (try host.inode(host.cgroupRoot + wanted)))
    }

    @Test func privateCgroupNamespaceWithoutPodUID() throws {
        let host = try FakeHost(procCgroup: "0::/\n", directories: [Self.container])
        #expect(throws: ScopingError.privateCgroupNamespace(source: host.procCgroup)) {
            try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot, podUID: "")
        }
    }

    @Test func podUIDNotOnTheMount() throws {
        let host = try FakeHost(procCgroup: "0::/\n", directories: [Self.otherPod])
        #expect(throws: ScopingError.podNotFound(podUID: Fixture.uid, cgroupRoot: host.cgroupRoot)) {
            try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot, podUID: Fixture.uid)
        }
    }

    @Test func hostCgroupsNotMounted() throws {
        let host = try FakeHost(procCgroup: "0::\(Self.container)\n", directories: [])
        #expect(throws: ScopingError.missingDirectory(path: host.cgroupRoot + Self.burstable)) {
            try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot)
        }
    }

    @Test func v1OnlyHostHasNoCgroupIDs() throws {
        let host = try FakeHost(procCgroup: LayoutCase.v1Only.procCgroup(for: Self.container), directories: [])
        #expect(throws: ScopingError.noUnifiedHierarchy(source: host.procCgroup)) {
            try PodScope.discover(procCgroupPath: host.procCgroup, cgroupRoot: host.cgroupRoot)
        }
    }

    @Test func unreadableProcFile() {
        #expect(throws: ScopingError.unreadable(path: "/nonexistent/cgroup", reason: "No such file or directory")) {
            try PodScope.discover(procCgroupPath: "/nonexistent/cgroup")
        }
    }

    @Test func readsThisProcess() throws {
        // Whatever this machine is, its own cgroup file parses.
        let file = try ProcCgroupFile(pid: getpid())
        #expect(!file.entries.isEmpty)
    }
}

@Suite struct CgroupIDTests {
    @Test func cgroupIDOfAPathOnAMount() throws {
        let host = try PodScopeDiscoveryTests.FakeHost(procCgroup: "0::/\n", directories: ["/system.slice/postgresql.service"])
        let mount = CgroupMount(hierarchy: .unified, mountPoint: host.cgroupRoot)
        #expect(try mount.cgroupID(of: "/system.slice/postgresql.service")
            == host.inode(host.cgroupRoot + "/system.slice/postgresql.service"))
        #expect(throws: ScopingError.missingDirectory(path: host.cgroupRoot + "/system.slice/nope.service")) {
            try mount.cgroupID(of: "/system.slice/nope.service")
        }
    }
}
