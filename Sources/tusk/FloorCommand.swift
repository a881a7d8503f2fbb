import ArgumentParser
import CTuskBPF
import Glibc

/// Benchmark aid: hold empty programs on Tusk's tracepoints until SIGINT/SIGTERM, so
/// scripts/bench-overhead can measure the cost of the hooks alone (the floor).
struct FloorCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "floor",
        abstract: "Attach empty programs on Tusk's tracepoints until interrupted (benchmark floor).",
        shouldDisplay: false)

    func run() throws {
        guard let floor = tusk_floor_attach() else {
            Logging.fail("tusk floor: attaching the empty programs failed: \(String(cString: strerror(errno)))")
        }
        // a background job of a non-interactive shell starts with SIGINT ignored: restore it
        signal(SIGINT, SIG_DFL)
        signal(SIGTERM, SIG_DFL)
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        Logging.note("floor attached")
        var received: Int32 = 0
        sigwait(&signals, &received)
        tusk_floor_destroy(floor)
    }
}
