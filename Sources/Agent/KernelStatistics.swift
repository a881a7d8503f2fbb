import Capture
import KernelRecords

/// What the kernel side reports about itself for /metrics: its counters and how many connections
/// and requests it tracks.
public protocol KernelStatistics: Sendable {
    func counters() -> KernelCounters
    func mapEntries() -> (connections: Int, requests: Int)
}

extension ProbeSession: KernelStatistics {}
