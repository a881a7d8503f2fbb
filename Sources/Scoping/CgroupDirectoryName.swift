// The directory names kubelet and container runtimes give cgroups, read back into ids.
//
// Pod cgroups (kubelet, pkg/kubelet/cm/cgroup_manager_linux.go):
//   cgroupfs driver  /kubepods/pod<uid>                     guaranteed
//                    /kubepods/burstable/pod<uid>           burstable, likewise besteffort
//   systemd driver   /kubepods.slice/kubepods-pod<uid_>.slice
//                    /kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid_>.slice
//   systemd names escape "-" in the uid as "_"; a kubelet --cgroup-root adds a prefix
//   (kind: /kubelet.slice/kubelet-kubepods.slice/kubelet-kubepods-besteffort.slice/…).
// Container cgroups below them (the runtime's choice):
//   containerd  <64 hex> (cgroupfs)         cri-containerd-<64 hex>.scope (systemd)
//   CRI-O       crio-<64 hex> (cgroupfs)    crio-<64 hex>.scope (systemd)
//   cri-dockerd <64 hex> (cgroupfs)         docker-<64 hex>.scope (systemd)
// The same container names appear outside Kubernetes: /docker/<64 hex>,
// /system.slice/docker-<64 hex>.scope, /machine.slice/libpod-<64 hex>.scope (Podman).

enum CgroupDirectoryName {
    /// Prefixes that runtimes put before the container id in a systemd scope or cgroupfs name.
    /// CRI-O's `crio-conmon-<id>.scope` holds its monitor process, not the container, and is
    /// deliberately not matched (what follows "crio-" is then not 64 hex digits).
    static let containerPrefixes = ["cri-containerd-", "crio-", "docker-", "libpod-"]

    /// The container id in a container cgroup's name, e.g. `cri-containerd-<id>.scope` → `<id>`.
    static func containerID(_ name: String) -> String? {
        var id = Substring(name)
        if id.hasSuffix(".scope") { id = id.dropLast(".scope".count) }
        if let prefix = containerPrefixes.first(where: { id.hasPrefix($0) }) { id = id.dropFirst(prefix.count) }
        return id.count == 64 && id.allSatisfy(\.isLowercaseHexDigit) ? String(id) : nil
    }

    /// A pod cgroup's name, systemd form: `<prefix>-pod<uid_with_underscores>.slice`, where the
    /// prefix names the kubepods cgroup and the QoS class (`kubepods-burstable`).
    static func systemdPod(_ name: String) -> (uid: String, qos: QoSClass)? {
        guard name.hasSuffix(".slice") else { return nil }
        let stem = name.dropLast(".slice".count)
        guard let marker = stem.ranges(of: "-pod").last else { return nil }
        let prefix = stem[..<marker.lowerBound]
        guard prefix.contains("kubepods"),
            let uid = podUID(String(stem[marker.upperBound...]).replacing("_", with: "-"))
        else { return nil }
        let qos = prefix.split(separator: "-").last.map(QoSClass.init(cgroupName:)) ?? .guaranteed
        return (uid, qos)
    }

    /// A pod cgroup's name, cgroupfs form: `pod<uid>`.
    static func cgroupfsPod(_ name: String) -> String? {
        guard name.hasPrefix("pod") else { return nil }
        return podUID(String(name.dropFirst(3)))
    }

    /// A pod uid as kubelet writes it: a UUID (API pods) or 32 hex digits (static pods, whose uid
    /// is a hash of the manifest). Anything else is not taken for a pod.
    static func podUID(_ text: String) -> String? {
        let uid = text.lowercased()
        let groups = uid.split(separator: "-", omittingEmptySubsequences: false)
        let isUUID = groups.map(\.count) == [8, 4, 4, 4, 12]
        let isHash = groups.count == 1 && uid.count == 32
        guard isUUID || isHash, groups.allSatisfy({ $0.allSatisfy(\.isLowercaseHexDigit) }) else { return nil }
        return uid
    }
}

extension Character {
    var isLowercaseHexDigit: Bool { ("0"..."9").contains(self) || ("a"..."f").contains(self) }
}
