// container.id and k8s.pod.uid of any process, from its /proc/PID/cgroup as Tusk reads it —
// including from inside a private cgroup namespace, where paths of others start with "..".

import Testing

@testable import Scoping

@Suite struct ContainerIdentityTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var contents: String
        var expected: ContainerIdentity
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "pod container, containerd systemd",
            contents: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/cri-containerd-a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333.scope\n",
            expected: ContainerIdentity(containerID: Fixture.app, podUID: Fixture.uid)),
        Case(
            name: "pod container, CRI-O cgroupfs, v1",
            contents: "11:memory:/kubepods/besteffort/pod3f10dbe8-4cbd-5e31-9b1f-af0cb9dda9cf/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809\n2:rdma:/\n",
            expected: ContainerIdentity(containerID: Fixture.crio, podUID: Fixture.otherUID)),
        Case(
            name: "neighbour in own pod, seen from a private cgroup namespace",
            contents: "0::/../cri-containerd-a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333.scope\n",
            expected: ContainerIdentity(containerID: Fixture.app, podUID: nil)),
        Case(
            name: "other pod, systemd, seen from a private cgroup namespace",
            contents: "0::/../../../kubepods-besteffort.slice/kubepods-besteffort-pod3f10dbe8_4cbd_5e31_9b1f_af0cb9dda9cf.slice/cri-containerd-a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333.scope\n",
            expected: ContainerIdentity(containerID: Fixture.app, podUID: Fixture.otherUID)),
        Case(
            name: "other pod, cgroupfs, seen from a private cgroup namespace",
            contents: "0::/../../../besteffort/pod3f10dbe8-4cbd-5e31-9b1f-af0cb9dda9cf/a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333\n",
            expected: ContainerIdentity(containerID: Fixture.app, podUID: Fixture.otherUID)),
        Case(
            name: "CRI-O conmon is not the container",
            contents: "0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/crio-conmon-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809.scope\n",
            expected: ContainerIdentity(containerID: nil, podUID: Fixture.uid)),
        Case(
            name: "Docker, cgroupfs, v1",
            contents: "12:pids:/docker/d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420\n1:name=systemd:/docker/d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420\n",
            expected: ContainerIdentity(containerID: Fixture.docker, podUID: nil)),
        Case(
            name: "Docker, systemd, v2",
            contents: "0::/system.slice/docker-d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420.scope\n",
            expected: ContainerIdentity(containerID: Fixture.docker, podUID: nil)),
        Case(
            name: "Podman container with a nested cgroup",
            contents: "0::/machine.slice/libpod-d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420.scope/container\n",
            expected: ContainerIdentity(containerID: Fixture.docker, podUID: nil)),
        Case(
            name: "host service",
            contents: "0::/system.slice/system-postgresql.slice/postgresql@15-main.service\n",
            expected: ContainerIdentity()),
        Case(
            name: "hybrid host, unified line empty-handed, v1 names the container",
            contents: "4:memory:/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a\n0::/\n",
            expected: ContainerIdentity(containerID: Fixture.tusk, podUID: Fixture.uid)),
        Case(
            name: "upper-case hex is no container id",
            contents: "0::/docker/D548C5B83FA61D8E3BD86AD42A7FFEA9B7C86E3F9D8095C1577D3E1270BB9420\n",
            expected: ContainerIdentity()),
    ]

    @Test(arguments: cases)
    func identityOfAnotherProcess(testCase: Case) throws {
        let file = try ProcCgroupFile(parsing: testCase.contents, source: "/proc/4242/cgroup")
        #expect(file.containerIdentity == testCase.expected)
    }
}
