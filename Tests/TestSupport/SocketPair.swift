import Foundation

/// A connected Unix stream socket pair standing in for a PostgreSQL connection: the test writes
/// frontend bytes on `client`, backend bytes on `server`, and reads the answer on `client`,
/// controlling exactly how the bytes are cut into system calls.
public final class SocketPair {
    public let client: Int32
    public let server: Int32
    /// CLOCK_MONOTONIC when the pair was made (records of an earlier fd with the same number are older).
    public let created: UInt64

    public init() {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0, "socketpair failed")
        client = fds[0]
        server = fds[1]
        // room for the multi-megabyte fixtures without a reader on the other side
        var size: Int32 = 8 << 20
        setsockopt(server, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(client, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        created = monotonicNanoseconds()
    }

    deinit {
        close(client)
        close(server)
    }

    /// Client sends `bytes`, cut into writes of at most `chunk` bytes (nil: one write).
    public func send(_ bytes: [UInt8], chunk: Int? = nil) {
        write(client, bytes, chunk: chunk)
        drain(server, bytes.count)
    }

    /// Server answers with `bytes` and the client reads them, each `chunk` with its own
    /// write and read (nil: one of each).
    public func answer(_ bytes: [UInt8], chunk: Int? = nil) {
        let size = max(1, chunk ?? bytes.count)
        var offset = 0
        while offset < bytes.count {
            let piece = Array(bytes[offset..<min(bytes.count, offset + size)])
            write(server, piece, chunk: nil)
            drain(client, piece.count)
            offset += piece.count
        }
    }

    /// The server hangs up; the client reads end-of-file.
    public func serverCloses() {
        shutdown(server, Int32(SHUT_WR))
        var byte: UInt8 = 0
        _ = Glibc.read(client, &byte, 1)
    }

    private func write(_ fd: Int32, _ bytes: [UInt8], chunk: Int?) {
        let size = max(1, chunk ?? bytes.count)
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset..<min(bytes.count, offset + size)].withUnsafeBytes {
                Glibc.write(fd, $0.baseAddress, $0.count)
            }
            precondition(n > 0, "write failed: \(errno)")
            offset += n
        }
    }

    /// Reads exactly `count` bytes, in reads of whatever is available.
    private func drain(_ fd: Int32, _ count: Int) {
        var left = count
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while left > 0 {
            let n = Glibc.read(fd, &buffer, min(buffer.count, left))
            precondition(n > 0, "read failed: \(errno)")
            left -= n
        }
    }
}
