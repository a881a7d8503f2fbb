import Foundation

/// A child process started with posix_spawn, its standard streams on pipes. (Foundation's
/// Process relies on machinery that does not reap children reliably under the test runner.)
final class Spawned: @unchecked Sendable {
    let pid: pid_t
    let stdin: Int32
    let stdout: Int32
    let stderr: Int32

    private static let spawnLock = NSLock()

    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws {
        var input: [Int32] = [0, 0], output: [Int32] = [0, 0], errors: [Int32] = [0, 0]
        // Children other tests spawn meanwhile must not inherit these ends (a write end held by a
        // stranger delays the end of output): close-on-exec, set under the lock every spawn
        // takes, so no spawn falls between pipe() and fcntl(). dup2 below clears the flag.
        Self.spawnLock.lock()
        defer { Self.spawnLock.unlock() }
        guard pipe(&input) == 0, pipe(&output) == 0, pipe(&errors) == 0 else { throw SpawnError(message: "pipe: \(errno)") }
        for fd in input + output + errors { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input[0], 0)
        posix_spawn_file_actions_adddup2(&actions, output[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        for fd in input + output + errors { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // the child starts with default signal handling and an empty mask, whatever the runner set
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let merged = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var child: pid_t = 0
        let result = posix_spawn(&child, executable, &actions, &attributes, argv, envp)
        close(input[0])
        close(output[1])
        close(errors[1])
        guard result == 0 else {
            close(input[1]); close(output[0]); close(errors[0])
            throw SpawnError(message: "posix_spawn \(executable): \(String(cString: strerror(result)))")
        }
        pid = child
        stdin = input[1]
        stdout = output[0]
        stderr = errors[0]
    }

    func write(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { Glibc.write(stdin, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            bytes = bytes.dropFirst(n)
        }
    }

    func closeInput() { close(stdin) }

    /// Reads both output pipes to their end (the child's exit), without one blocking the other.
    func readAll() -> (output: Data, errors: Data) {
        var output = Data(), errors = Data()
        var open: [Int32] = [stdout, stderr]
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else { if errno == EINTR { continue } else { break } }
            for descriptor in fds where descriptor.revents != 0 {
                let n = Glibc.read(descriptor.fd, &buffer, buffer.count)
                if n > 0 {
                    if descriptor.fd == stdout { output.append(contentsOf: buffer[0..<n]) } else { errors.append(contentsOf: buffer[0..<n]) }
                } else if n < 0 && (errno == EINTR || errno == EAGAIN) {
                    continue  // a signal to the test runner is not the end of the child's output
                } else {
                    open.removeAll { $0 == descriptor.fd }
                }
            }
        }
        return (output, errors)
    }

    /// Waits for the child; its exit status (128 + signal when killed).
    func wait() -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        close(stdout)
        close(stderr)
        if status & 0x7f == 0 { return (status >> 8) & 0xff }
        return 128 + (status & 0x7f)
    }

    struct SpawnError: Error, CustomStringConvertible {
        let message: String
        var description: String { message }
    }
}
