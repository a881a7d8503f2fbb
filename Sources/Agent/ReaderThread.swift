import Glibc

/// Runs blocking work (the ring-buffer poll loop) on a dedicated OS thread, off the cooperative
/// pool that async tasks share.
enum ReaderThread {
    static func run(_ body: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let work = Work {
                body()
                continuation.resume()
            }
            var thread = pthread_t()
            let started = pthread_create(&thread, nil, { argument in
                let work = Unmanaged<Work>.fromOpaque(argument!).takeRetainedValue()
                work.body()
                return nil
            }, Unmanaged.passRetained(work).toOpaque())
            if started != 0 {
                body()
                continuation.resume()
                return
            }
            pthread_detach(thread)
        }
    }

    private final class Work: @unchecked Sendable {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
