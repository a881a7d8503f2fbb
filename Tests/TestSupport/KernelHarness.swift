import Capture
import KernelRecords
import Foundation
import Synchronization

/// The real kernel programs, loaded once per test process and tracing only this process, with a
/// thread collecting every record. Tests push protocol bytes through socket pairs and read back
/// the records of their own connection.
public final class KernelHarness: Sendable {
    public static let shared = Result { () throws(CaptureError) in try KernelHarness() }

    public let session: ProbeSession
    private let collected = Mutex<[CapturedRequest]>([])

    private init() throws(CaptureError) {
        var options = CaptureOptions.default
        options.pids = [getpid()]
        options.ignoreSelf = false
        options.maxQueryBytes = 1024
        session = try ProbeSession(options: options)
        try session.attach()
        Thread { [self] in collect() }.start()
    }

    private func collect() -> Never {
        while true {
            var batch: [CapturedRequest] = []
            _ = session.poll(timeoutMilliseconds: 5) { batch.append($0) }
            if !batch.isEmpty {
                collected.withLock { $0.append(contentsOf: batch) }
            }
        }
    }

    /// Records of the connection on `fd` that started after `since` (CLOCK_MONOTONIC ns), waiting
    /// until `done` says enough arrived or `timeout` passes.
    public func records(
        fd: Int32, since: UInt64, timeout: Duration = .seconds(5),
        until done: ([CapturedRequest]) -> Bool
    ) async -> [CapturedRequest] {
        let deadline = ContinuousClock.now + timeout
        while true {
            let mine = collected.withLock { all in
                all.filter { $0.fd == fd && $0.startNanoseconds >= since }
            }
            if done(mine) || ContinuousClock.now >= deadline { return mine }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// Requests only (no connection-end records), once `count` of them arrived.
    public func requests(fd: Int32, since: UInt64, count: Int, timeout: Duration = .seconds(5)) async -> [CapturedRequest] {
        await records(fd: fd, since: since, timeout: timeout) {
            $0.filter { $0.kind != .connectionEnd }.count >= count
        }.filter { $0.kind != .connectionEnd }
    }
}

/// CLOCK_MONOTONIC now, in the kernel's units.
public func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
