import Synchronization

/// Whether the probes are attached: /healthz answers 200 only then.
final class HealthState: Sendable {
    private let attached = Atomic<Bool>(false)

    var isAttached: Bool { attached.load(ordering: .relaxed) }

    func set(attached value: Bool) {
        attached.store(value, ordering: .relaxed)
    }
}
