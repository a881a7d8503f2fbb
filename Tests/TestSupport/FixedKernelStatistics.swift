import Agent
import KernelRecords
import Synchronization

/// Kernel counters and map sizes set by the test, for /metrics without a kernel.
public final class FixedKernelStatistics: KernelStatistics {
    private let state = Mutex((counters: KernelCounters(), connections: 0, requests: 0))

    public init() {}

    public func set(_ counters: KernelCounters, connections: Int = 0, requests: Int = 0) {
        state.withLock { $0 = (counters, connections, requests) }
    }

    public func counters() -> KernelCounters { state.withLock { $0.counters } }
    public func mapEntries() -> (connections: Int, requests: Int) { state.withLock { ($0.connections, $0.requests) } }
}
