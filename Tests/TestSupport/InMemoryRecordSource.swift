import Agent
import Glibc
import KernelRecords
import Synchronization

/// A record source for the capture reader without a kernel: records added by the test come out
/// of the next polls, at most `maxRecordsPerPoll` each, as the ring buffer's would.
public final class InMemoryRecordSource: RecordSource {
    public let maxRecordsPerPoll: Int
    private let state = Mutex(State())

    private struct State {
        var waiting: [CapturedRequest] = []
        var attached = false
        var detached = false
        var polls = 0
    }

    public init(recordsPerPoll: Int = 4) {
        self.maxRecordsPerPoll = recordsPerPoll
    }

    /// Records the next polls hand over.
    public func add(_ records: [CapturedRequest]) {
        state.withLock { $0.waiting += records }
    }

    public var attached: Bool { state.withLock { $0.attached } }
    public var detached: Bool { state.withLock { $0.detached } }
    public var polls: Int { state.withLock { $0.polls } }
    public var waiting: Int { state.withLock { $0.waiting.count } }

    public func attach() throws {
        state.withLock { $0.attached = true }
    }

    public func detach() {
        state.withLock { $0.detached = true }
    }

    public func poll(timeoutMilliseconds: Int32, _ handle: (CapturedRequest) -> Void) -> Int {
        let batch = state.withLock { state in
            state.polls += 1
            let batch = Array(state.waiting.prefix(maxRecordsPerPoll))
            state.waiting.removeFirst(batch.count)
            return batch
        }
        for record in batch { handle(record) }
        if batch.isEmpty && timeoutMilliseconds > 0 {
            // a poll on an empty ring waits (briefly here) before returning
            usleep(1_000)
        }
        return batch.count
    }
}
