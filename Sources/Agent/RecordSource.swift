import Capture
import KernelRecords

/// Where the capture reader gets completed requests: the kernel's ring buffer (ProbeSession), or
/// an in-memory source in tests.
public protocol RecordSource: AnyObject, Sendable {
    /// Most records one poll hands over: the reader gets back to its loop between polls.
    var maxRecordsPerPoll: Int { get }
    /// From here on requests are captured.
    func attach() throws
    /// Nothing more is captured; records already waiting can still be polled.
    func detach()
    /// Waits up to `timeoutMilliseconds` for records, hands the available ones to `handle` (at most
    /// `maxRecordsPerPoll`) and returns how many it consumed.
    func poll(timeoutMilliseconds: Int32, _ handle: (CapturedRequest) -> Void) -> Int
}

extension ProbeSession: RecordSource {
    public var maxRecordsPerPoll: Int { ProbeSession.recordsPerPoll }

    public func poll(timeoutMilliseconds: Int32, _ handle: (CapturedRequest) -> Void) -> Int {
        poll(timeoutMilliseconds: timeoutMilliseconds, maxRecords: ProbeSession.recordsPerPoll, handle)
    }
}
