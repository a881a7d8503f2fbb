// From a cgroup path to the directory the kernel filter takes its cgroup id from.

import Testing

@testable import Scoping

@Suite struct CgroupMountTests {
    static let podPath = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice"

    @Test(arguments: [
        (CgroupHierarchy.unified, CgroupLayout.unified, "/sys/fs/cgroup"),
        (.unified, .hybrid, "/sys/fs/cgroup/unified"),
        (.legacy(controllers: ["name=systemd"]), .hybrid, "/sys/fs/cgroup/systemd"),
        (.legacy(controllers: ["pids"]), .legacy, "/sys/fs/cgroup/pids"),
        (.legacy(controllers: ["cpu", "cpuacct"]), .legacy, "/sys/fs/cgroup/cpu,cpuacct"),
    ])
    func standardMountPoints(hierarchy: CgroupHierarchy, layout: CgroupLayout, mountPoint: String) {
        #expect(CgroupMount.standard(hierarchy, layout: layout)?.mountPoint == mountPoint)
    }

    @Test func noV2OnV1OnlyHostsAndNoV1OnV2OnlyHosts() {
        #expect(CgroupMount.standard(.unified, layout: .legacy) == nil)
        #expect(CgroupMount.standard(.legacy(controllers: ["memory"]), layout: .unified) == nil)
    }

    @Test func podDirectoryOnTheV2Mount() throws {
        let mount = try #require(CgroupMount.standard(.unified, layout: .unified))
        #expect(mount.directory(of: Self.podPath) == "/sys/fs/cgroup" + Self.podPath)
        #expect(mount.directory(of: "/") == "/sys/fs/cgroup")
    }

    @Test func podDirectoryOnAHybridHostsV2Mount() throws {
        let mount = try #require(CgroupMount.standard(.unified, layout: .hybrid, root: "/host/sys/fs/cgroup/"))
        #expect(mount.directory(of: Self.podPath) == "/host/sys/fs/cgroup/unified" + Self.podPath)
    }

    @Test func podDirectoryOnANamedV1Hierarchy() throws {
        let file = try ProcCgroupFile(parsing: LayoutCase.v1Only.procCgroup(for: PodCase.all[5].containerPath))
        let pod = try file.podCgroup()
        let mount = try #require(CgroupMount.standard(.legacy(controllers: ["name=systemd"]), layout: file.layout))
        #expect(mount.directory(of: pod.path) == "/sys/fs/cgroup/systemd/kubepods/besteffort/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce")
    }
}
