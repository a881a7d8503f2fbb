import Foundation

/// The highest value `sample` returned, sampled every 50 ms on a thread until `stop()`.
public final class PeakSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var highest = 0
    private var running = true
    private let finished = DispatchSemaphore(value: 0)

    public init(_ sample: @escaping @Sendable () -> Int) {
        Thread { [self] in
            while true {
                let value = sample()
                lock.lock()
                highest = max(highest, value)
                let keepGoing = running
                lock.unlock()
                if !keepGoing { break }
                usleep(50_000)
            }
            finished.signal()
        }.start()
    }

    public func stop() -> Int {
        lock.lock()
        running = false
        lock.unlock()
        finished.wait()
        lock.lock()
        defer { lock.unlock() }
        return highest
    }
}
