import Synchronization

/// The moment a graceful shutdown must be done by, unknown until shutdown begins. Exports race
/// it, so a batch stuck retrying against a dead backend cannot hold the process past the shutdown
/// timeout.
final class ShutdownDeadline<C: Clock>: Sendable where C.Duration == Duration {
    private struct State {
        var instant: C.Instant?
        /// exports never overlap: at most one waits
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())
    private let clock: C

    init(clock: C) {
        self.clock = clock
    }

    /// When shutdown must be done; nil until it begins.
    var instant: C.Instant? { state.withLock { $0.instant } }

    /// Shutdown begins: the deadline is `timeout` from now. Later calls keep the first deadline.
    func begin(timeout: Duration) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.instant == nil { state.instant = clock.now.advanced(by: timeout) }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    /// Returns once shutdown has begun and its deadline has passed, or when the task is cancelled.
    func passed() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.instant != nil || Task.isCancelled { return true }
                    state.waiter?.resume()
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
                defer { state.waiter = nil }
                return state.waiter
            }
            waiter?.resume()
        }
        guard let instant, !Task.isCancelled else { return }
        try? await Task.sleep(until: instant, clock: clock)
    }
}
