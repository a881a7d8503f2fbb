import Export
import Spans
import Synchronization

/// A sink that keeps what the capture reader hands it: the spans of each poll, and whether it
/// was finished.
public final class InMemorySpanSink: SpanSink, @unchecked Sendable {
    private let state = Mutex(State())

    private struct State {
        var pending: [DatabaseSpan] = []
        var polls: [[DatabaseSpan]] = []
        var finished = false
    }

    public init() {}

    /// The spans of each poll that had any, in order.
    public var polls: [[DatabaseSpan]] { state.withLock { $0.polls } }
    public var spans: [DatabaseSpan] { polls.flatMap { $0 } }
    public var finished: Bool { state.withLock { $0.finished } }

    public func accept(_ span: consuming DatabaseSpan) {
        let span = span
        state.withLock { $0.pending.append(span) }
    }

    @discardableResult
    public func endPoll() -> Int {
        state.withLock { state in
            let count = state.pending.count
            if count > 0 { state.polls.append(state.pending) }
            state.pending = []
            return count
        }
    }

    public func finish() {
        endPoll()
        state.withLock { $0.finished = true }
    }
}
