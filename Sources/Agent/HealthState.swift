import Synchronization

/// Whether the probes are attached: /healthz answers 200 only then.
public final class HealthState: Sendable {
    private let attached = Atomic<Bool>(false)

    public init() {}

    public var isAttached: Bool { attached.load(ordering: .relaxed) }

    public func set(attached value: Bool) {
        attached.store(value, ordering: .relaxed)
    }
}
