// /proc/self/cgroup contents as Kubernetes nodes show them, for every runtime, cgroup driver,
// QoS class and cgroup layout Tusk supports.

import Testing

@testable import Scoping

enum Fixture {
    // Pod uids: API pods get a UUID; static pods a 32-digit md5 of their manifest.
    static let uid = "4f3f2898-69e3-5a0d-820a-c4e87987dbce"
    static let systemdUID = "4f3f2898_69e3_5a0d_820a_c4e87987dbce"  // "-" escaped by kubelet
    static let otherUID = "3f10dbe8-4cbd-5e31-9b1f-af0cb9dda9cf"
    static let staticPodUID = "a81259cef8e959c624df1d456e5d3297"
    // Container ids: 64 hex digits (sha256 of arbitrary words).
    static let app = "a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333"
    static let tusk = "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"
    static let crio = "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"
    static let docker = "d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420"
}

/// One container cgroup path and the pod cgroup expected from it.
struct PodCase: CustomTestStringConvertible, Sendable {
    var name: String
    var containerPath: String
    var expected: PodCgroup
    var level: Int

    var testDescription: String { name }

    static let all: [PodCase] = [
        // containerd, systemd driver: runc names the scope cri-containerd-<id>.scope.
        PodCase(
            name: "containerd systemd guaranteed",
            containerPath: "/kubepods.slice/kubepods-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/cri-containerd-b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a.scope",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .guaranteed,
                path: "/kubepods.slice/kubepods-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
                containerID: "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"),
            level: 2),
        PodCase(
            name: "containerd systemd burstable",
            containerPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/cri-containerd-b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a.scope",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .burstable,
                path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
                containerID: "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"),
            level: 3),
        PodCase(
            name: "containerd systemd besteffort",
            containerPath: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/cri-containerd-b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a.scope",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .bestEffort,
                path: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
                containerID: "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"),
            level: 3),
        // containerd, cgroupfs driver: the container cgroup is the bare id.
        PodCase(
            name: "containerd cgroupfs guaranteed",
            containerPath: "/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .guaranteed,
                path: "/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
                containerID: "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"),
            level: 2),
        PodCase(
            name: "containerd cgroupfs burstable",
            containerPath: "/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .burstable,
                path: "/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
                containerID: "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"),
            level: 3),
        PodCase(
            name: "containerd cgroupfs besteffort",
            containerPath: "/kubepods/besteffort/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .bestEffort,
                path: "/kubepods/besteffort/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
                containerID: "b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a"),
            level: 3),
        // CRI-O, systemd driver: crio-<id>.scope.
        PodCase(
            name: "CRI-O systemd guaranteed",
            containerPath: "/kubepods.slice/kubepods-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809.scope",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .guaranteed,
                path: "/kubepods.slice/kubepods-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
                containerID: "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"),
            level: 2),
        PodCase(
            name: "CRI-O systemd burstable",
            containerPath: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809.scope",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .burstable,
                path: "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
                containerID: "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"),
            level: 3),
        PodCase(
            name: "CRI-O systemd besteffort",
            containerPath: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809.scope",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .bestEffort,
                path: "/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
                containerID: "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"),
            level: 3),
        // CRI-O, cgroupfs driver: crio-<id> without .scope.
        PodCase(
            name: "CRI-O cgroupfs guaranteed",
            containerPath: "/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .guaranteed,
                path: "/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
                containerID: "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"),
            level: 2),
        PodCase(
            name: "CRI-O cgroupfs burstable",
            containerPath: "/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .burstable,
                path: "/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
                containerID: "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"),
            level: 3),
        PodCase(
            name: "CRI-O cgroupfs besteffort",
            containerPath: "/kubepods/besteffort/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809",
            expected: PodCgroup(
                podUID: "4f3f2898-69e3-5a0d-820a-c4e87987dbce", qosClass: .bestEffort,
                path: "/kubepods/besteffort/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
                containerID: "c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809"),
            level: 3),
    ]
}

/// How a node lays out its hierarchies, and the /proc/self/cgroup it then shows for a process
/// in the cgroup at `path`.
enum LayoutCase: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case v2Only = "cgroup v2"
    case v1Only = "cgroup v1"
    case hybrid = "hybrid"

    var testDescription: String { rawValue }

    var layout: CgroupLayout {
        switch self {
        case .v2Only: return .unified
        case .v1Only: return .legacy
        case .hybrid: return .hybrid
        }
    }

    func procCgroup(for path: String) -> String {
        switch self {
        case .v2Only:
            return "0::\(path)\n"
        case .v1Only:
            return Self.v1Lines(path)
        case .hybrid:
            // systemd's hybrid mode: the v1 controllers plus v2 at /sys/fs/cgroup/unified, which
            // runc joins as well (libcontainer's fs manager adds the "" hierarchy in hybrid mode).
            return Self.v1Lines(path) + "0::\(path)\n"
        }
    }

    /// Ubuntu 20.04 node, kernel 5.4: runc puts the container in every controller but rdma.
    private static func v1Lines(_ path: String) -> String {
        """
        12:hugetlb:\(path)
        11:memory:\(path)
        10:cpu,cpuacct:\(path)
        9:devices:\(path)
        8:pids:\(path)
        7:net_cls,net_prio:\(path)
        6:freezer:\(path)
        5:cpuset:\(path)
        4:blkio:\(path)
        3:perf_event:\(path)
        2:rdma:/
        1:name=systemd:\(path)

        """
    }
}
