import Foundation
import Testing
import TestSupport

/// Where the running agent's OpenSSL breakpoints are, read from a process's memory: on the
/// internal read and write functions that SSL_read/SSL_read_ex and SSL_write/SSL_write_ex call
/// (which begin with a push, run in place under a uprobe), and not on the exported functions
/// (which begin with `sub $n,%rsp`, single-stepped). objdump says where each function's first call
/// goes; the kernel says where the breakpoints (0xCC) went.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct TLSProbePlacementEndToEndTests {
    static let libssl = "/lib/x86_64-linux-gnu/libssl.so.3"

    /// `nm -D` addresses of the functions.
    static func exports(_ names: [String]) throws -> [String: UInt64] {
        let run = try ChildProcess.run("/usr/bin/nm", ["-D", "--defined-only", libssl])
        var found: [String: UInt64] = [:]
        for line in run.output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, let name = fields[2].split(separator: "@").first, names.contains(String(name)) else { continue }
            found[String(name)] = UInt64(fields[0], radix: 16)
        }
        return found
    }

    /// The target of the first call objdump shows in the function at `address`.
    static func firstCall(at address: UInt64) throws -> UInt64? {
        let run = try ChildProcess.run(
            "/usr/bin/objdump", ["-d", "--no-show-raw-insn", "--start-address=\(address)", "--stop-address=\(address + 96)", libssl])
        for line in run.output.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            guard parts.count >= 2, parts[1].hasPrefix("call") else { continue }
            return parts[1].split(separator: " ").dropFirst().first.flatMap { UInt64($0, radix: 16) }
        }
        return nil
    }

    /// The first byte at each of `offsets` (libssl's addresses, which are its file offsets) in
    /// process `pid`'s memory, and in the file.
    static func firstBytes(pid: Int32, _ offsets: [UInt64]) throws -> (memory: [UInt8], file: [UInt8]) {
        let maps = try String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)
        // "start-end r-xp offset dev inode path"
        let code = try #require(maps.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true) }
            .first { $0.count >= 6 && $0[1] == "r-xp" && $0[5].hasSuffix("libssl.so.3") })
        let range = code[0].split(separator: "-").compactMap { UInt64($0, radix: 16) }
        let mapOffset = try #require(UInt64(code[2], radix: 16))
        let memory = try #require(FileHandle(forReadingAtPath: "/proc/\(pid)/mem"))
        let file = try #require(FileHandle(forReadingAtPath: libssl))
        defer {
            try? memory.close()
            try? file.close()
        }
        var inMemory: [UInt8] = [], inFile: [UInt8] = []
        for offset in offsets {
            let address = range[0] + offset - mapOffset
            try #require(offset >= mapOffset && address < range[1])
            try memory.seek(toOffset: address)
            try file.seek(toOffset: offset)
            inMemory.append(try #require(try memory.read(upToCount: 1)?.first))
            inFile.append(try #require(try file.read(upToCount: 1)?.first))
        }
        return (inMemory, inFile)
    }

    @Test func theBreakpointsSitOnTheInternalFunctionsNotOnTheExportedOnes() throws {
        let exported = try Self.exports(["SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex"])
        try #require(exported.count == 4)
        let read = try #require(try Self.firstCall(at: exported["SSL_read"]!))
        let write = try #require(try Self.firstCall(at: exported["SSL_write"]!))
        #expect(try Self.firstCall(at: exported["SSL_read_ex"]!) == read)
        #expect(try Self.firstCall(at: exported["SSL_write_ex"]!) == write)
        let python = try InteractiveProcess(TestEnvironment.python, ["-c", "import ssl, sys; print('up', flush=True); sys.stdin.read()"])
        defer {
            python.closeInput()
            _ = python.wait()
        }
        #expect(try python.nextLine() == "up")
        let wrappers = ["SSL_read", "SSL_read_ex", "SSL_write", "SSL_write_ex"].map { exported[$0]! }
        let before = try Self.firstBytes(pid: python.pid, wrappers + [read, write])
        #expect(before.memory == before.file, "no breakpoint before the agent runs")

        let agent = try AgentProcess()
        let probed = try Self.firstBytes(pid: python.pid, wrappers + [read, write])
        #expect(Array(probed.memory.prefix(4)) == Array(probed.file.prefix(4)), "no breakpoint on the exported functions")
        #expect(Array(probed.memory.suffix(2)) == [0xCC, 0xCC], "breakpoints on the internal read and write; agent log: \(agent.stderrText)")
        // the internal functions begin with a push (REX.B for r8–r15 allowed)
        #expect(probed.file.suffix(2).allSatisfy { (0x50...0x57).contains($0) || $0 == 0x41 })
        #expect(agent.stop() == 0)
        // the kernel removes them as it releases the agent's probes, moments after it exits
        var after = try Self.firstBytes(pid: python.pid, wrappers + [read, write])
        let deadline = Date().addingTimeInterval(10)
        while after.memory != after.file && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            after = try Self.firstBytes(pid: python.pid, wrappers + [read, write])
        }
        #expect(after.memory == after.file, "the breakpoints go with the agent")
    }
}
