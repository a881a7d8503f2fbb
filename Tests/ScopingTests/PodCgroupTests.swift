// Discovering the pod cgroup from /proc/self/cgroup, across runtimes, drivers, QoS classes and
// cgroup layouts; and the clear refusals when there is no pod to find.

import Testing

@testable import Scoping

@Suite struct PodCgroupTests {
    @Test(arguments: PodCase.all, LayoutCase.allCases)
    func findsThePodOfOwnContainer(pod: PodCase, layout: LayoutCase) throws {
        let file = try ProcCgroupFile(parsing: layout.procCgroup(for: pod.containerPath))
        #expect(file.layout == layout.layout)
        let found = try file.podCgroup()
        #expect(found == pod.expected)
        #expect(found.level == pod.level)
    }

    @Test func kindNodeWithKubeletCgroupRoot() throws {
        // kind runs kubelet with --cgroup-root=/kubelet, which prefixes every systemd name.
        let file = try ProcCgroupFile(parsing: """
            0::/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod3f10dbe8_4cbd_5e31_9b1f_af0cb9dda9cf.slice/cri-containerd-a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333.scope

            """)
        let pod = try file.podCgroup()
        #expect(pod == PodCgroup(
            podUID: "3f10dbe8-4cbd-5e31-9b1f-af0cb9dda9cf", qosClass: .bestEffort,
            path: "/kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/kubelet-kubepods-besteffort-pod3f10dbe8_4cbd_5e31_9b1f_af0cb9dda9cf.slice",
            containerID: "a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333"))
        #expect(pod.level == 4)
    }

    @Test func staticPodUIDIsAHash() throws {
        let file = try ProcCgroupFile(parsing: """
            0::/kubepods/poda81259cef8e959c624df1d456e5d3297/a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333

            """)
        #expect(try file.podCgroup() == PodCgroup(
            podUID: "a81259cef8e959c624df1d456e5d3297", qosClass: .guaranteed,
            path: "/kubepods/poda81259cef8e959c624df1d456e5d3297",
            containerID: "a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333"))
    }

    @Test func containerIDFromACgroupNestedInTheContainer() throws {
        // CRI-O on cgroup v2 may move the container's processes into a child cgroup.
        let file = try ProcCgroupFile(parsing: """
            0::/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/crio-c64064614423cb790e88b3e5492ff5ccf673b25ae823089f7a60c65cda24d809.scope/container

            """)
        let pod = try file.podCgroup()
        #expect(pod.containerID == Fixture.crio)
        #expect(pod.path == "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice")
    }

    @Test func criDockerdSystemdScope() throws {
        let file = try ProcCgroupFile(parsing: """
            0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice/docker-d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420.scope

            """)
        #expect(try file.podCgroup().containerID == Fixture.docker)
    }

    @Test func hybridPrefersTheUnifiedLine() throws {
        // A v1 line naming a different pod must lose against the v2 line, whose path is the one
        // the kernel filter's cgroup ids come from.
        let file = try ProcCgroupFile(parsing: """
            1:name=systemd:/kubepods/besteffort/pod3f10dbe8-4cbd-5e31-9b1f-af0cb9dda9cf/a172cedcae47474b615c54d510a5d84a8dea3032e958587430b413538be3f333
            0::/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a

            """)
        #expect(try file.podCgroup().podUID == Fixture.uid)
    }

    @Test func hybridWhereOnlyV1HasThePod() throws {
        let file = try ProcCgroupFile(parsing: """
            3:pids:/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a
            2:cpu,cpuacct:/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a
            1:name=systemd:/system.slice/containerd.service
            0::/system.slice/containerd.service

            """)
        #expect(try file.podCgroup().path == "/kubepods/burstable/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce")
    }

    // MARK: not a pod

    @Test func dockerContainerIsNotAPod() throws {
        let file = try ProcCgroupFile(parsing: """
            12:pids:/docker/d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420
            11:memory:/docker/d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420
            1:name=systemd:/docker/d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420
            0::/system.slice/containerd.service

            """)
        #expect(throws: ScopingError.notInPod(
            source: "/proc/self/cgroup",
            paths: ["/system.slice/containerd.service", "/docker/d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420"])
        ) { try file.podCgroup() }
    }

    @Test func dockerSystemdScopeIsNotAPod() throws {
        let file = try ProcCgroupFile(parsing: "0::/system.slice/docker-d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420.scope\n")
        #expect(throws: ScopingError.notInPod(
            source: "/proc/self/cgroup",
            paths: ["/system.slice/docker-d548c5b83fa61d8e3bd86ad42a7ffea9b7c86e3f9d8095c1577d3e1270bb9420.scope"])
        ) { try file.podCgroup() }
    }

    @Test func plainHostSession() throws {
        let file = try ProcCgroupFile(parsing: "0::/user.slice/user-1000.slice/user@1000.service/app.slice/tusk.scope\n")
        let error = #expect(throws: ScopingError.self) { try file.podCgroup() }
        #expect(error?.description == "not running in a Kubernetes pod: /proc/self/cgroup has no kubepods path "
            + "(/user.slice/user-1000.slice/user@1000.service/app.slice/tusk.scope); "
            + "use --scope node, or --cgroup PATH for a cgroup of your choice")
    }

    @Test func hybridHostOutsideAnyContainer() throws {
        // A CI machine: mostly root cgroups, one memory cgroup set up by its sandbox.
        let file = try ProcCgroupFile(parsing: """
            9:name=systemd:/
            8:pids:/
            4:memory:/process_api/08de91e56ad203af705eb77591971660
            1:cpu:/
            0::/

            """)
        #expect(throws: ScopingError.notInPod(source: "/proc/self/cgroup", paths: ["/", "/process_api/08de91e56ad203af705eb77591971660"])) {
            try file.podCgroup()
        }
    }

    @Test(arguments: [
        "/kubepods/burstable/podnot-a-uid/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a",
        "/system.slice/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a",
        "/kubepods/guaranteed/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce",
        "/machine.slice/machine-libpod_pod_4f3f2898.slice/libpod-b50476d5b80f635141ce35d06a35fb0ed25ce1b356bffb76718a73ebfcea4c8a.scope",
        "/user.slice/user-pod4f3f2898_69e3_5a0d_820a_c4e87987dbce.slice",
    ])
    func lookAlikesAreNotPods(path: String) throws {
        #expect(CgroupPath(path).podCgroup == nil)
    }

    @Test func privateCgroupNamespaceIsExplained() throws {
        // containerd and CRI-O give unprivileged containers their own cgroup namespace on v2.
        let file = try ProcCgroupFile(parsing: "0::/\n")
        let error = #expect(throws: ScopingError.privateCgroupNamespace(source: "/proc/self/cgroup")) { try file.podCgroup() }
        let message = error?.description ?? ""
        #expect(message.contains("needs the host cgroup namespace"))
        #expect(message.contains("hostPID: true does not give it"))
        #expect(message.contains("K8S_POD_UID"))
    }
}
