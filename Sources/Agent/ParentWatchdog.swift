import Glibc

/// Tells when the process that started the agent is gone (the agent was re-parented), for
/// supervisors and test harnesses that ask the agent not to outlive them
/// (`TUSK_EXIT_WITH_PARENT=1`).
public struct ParentWatchdog: Sendable {
    private let parent: pid_t
    private let currentParent: @Sendable () -> pid_t

    public init(parent: pid_t = getppid(), currentParent: @escaping @Sendable () -> pid_t = { getppid() }) {
        self.parent = parent
        self.currentParent = currentParent
    }

    public var parentIsGone: Bool { currentParent() != parent }
}
