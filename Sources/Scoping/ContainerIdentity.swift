// Who a process is, from its cgroup: what `container.id` and `k8s.pod.uid` are made of.

/// The container and pod of a process, as far as its cgroup path tells.
public struct ContainerIdentity: Hashable, Sendable {
    /// The runtime's 64-hex-digit container id (`container.id`), nil outside containers.
    public var containerID: String?
    /// The pod uid with dashes (`k8s.pod.uid`), nil outside pods or when the pod's cgroup is
    /// hidden above the reader's cgroup namespace root.
    public var podUID: String?

    public init(containerID: String? = nil, podUID: String? = nil) {
        self.containerID = containerID
        self.podUID = podUID
    }
}
