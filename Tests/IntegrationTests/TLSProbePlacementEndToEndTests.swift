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

    /// Process `pid`'s maps, read to their end (String(contentsOfFile:) stops at the first page of
    /// a /proc file).
    static func maps(of pid: Int32) throws -> String {
        let file = try #require(FileHandle(forReadingAtPath: "/proc/\(pid)/maps"))
        defer { try? file.close() }
        return String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
    }

    /// The first byte at each of `offsets` (libssl's addresses, which are its file offsets) in
    /// process `pid`'s memory (its libssl.so.3, wherever it is), and in the file.
    static func firstBytes(pid: Int32, _ offsets: [UInt64]) throws -> (memory: [UInt8], file: [UInt8]) {
        let maps = try Self.maps(of: pid)
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

    /// With `--side client` a libssl only PostgreSQL servers map (here a server's own copy, loaded
    /// through LD_LIBRARY_PATH, as a database container's own libssl is on a node) gets no probes:
    /// its backends do not trap, and clients on another libssl are seen as before. With `--side
    /// both` the same file gets them, and the backends' SERVER spans come through it.
    @Test func aLibSSLOnlyServersMapIsLeftUnprobedUnderSideClient() throws {
        let exported = try Self.exports(["SSL_read", "SSL_write"])
        let readExport = try #require(exported["SSL_read"]), writeExport = try #require(exported["SSL_write"])
        let read = try #require(try Self.firstCall(at: readExport))
        let write = try #require(try Self.firstCall(at: writeExport))
        let libraries = NSTemporaryDirectory() + "tusk-server-libssl-\(UInt32.random(in: 0...UInt32.max))"
        // the server runs as postgres: the directory must be open to it
        try FileManager.default.createDirectory(
            atPath: libraries, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(atPath: libraries) }
        let copy = libraries + "/libssl.so.3"
        try FileManager.default.copyItem(atPath: Self.libssl, toPath: copy)
        let server = try PostgresSandbox(tlsWithLibrariesFrom: libraries)
        let postmaster = try #require(server.postmasterPid)
        try #require(try Self.maps(of: postmaster).contains(copy))
        let name = "left_to_servers_\(UInt32.random(in: 0...UInt32.max))"
        let query = "SELECT 1 AS \(name)"
        func runPsql() throws -> Int32 {
            let psql = try ChildProcess.run(
                server.binaries + "/psql", ["-X", "-A", "-t", "-c", query] + server.connection(), environment: ["PGSSLMODE": "require"])
            try #require(psql.status == 0, "\(psql.errorOutput)")
            return psql.pid
        }

        let check = try ChildProcess.run(AgentProcess.binary, ["check"])
        let line = check.output.split(separator: "\n").first { $0.contains(copy) }
        #expect(line?.contains("only PostgreSQL servers use it: left unprobed with --side client") == true, "\(check.output)")

        let client = try AgentProcess(arguments: ["--side", "client"])
        #expect(client.stderrText.contains("OpenSSL \(copy) left unprobed: only PostgreSQL servers use it"), "\(client.stderrText)")
        let untouched = try Self.firstBytes(pid: postmaster, [read, write])
        #expect(untouched.memory == untouched.file, "no breakpoint in the server; agent log: \(client.stderrText)")
        let psql = try runPsql()
        let seen = client.spans(pid: psql) { $0.contains { $0.text?.contains(name) == true } }
        #expect(seen.contains { $0.kind == "client" && $0.text?.contains(name) == true }, "\(client.stderrText)")
        #expect(client.stop() == 0)

        let both = try AgentProcess(arguments: ["--side", "both"])
        #expect(both.stderrText.contains(copy) && !both.stderrText.contains("left unprobed"), "\(both.stderrText)")
        let probed = try Self.firstBytes(pid: postmaster, [read, write])
        #expect(probed.memory == [0xCC, 0xCC], "breakpoints in the server; agent log: \(both.stderrText)")
        _ = try runPsql()
        let deadline = Date().addingTimeInterval(10)
        while !both.spans.contains(where: { $0.kind == "server" && $0.text?.contains(name) == true }) && Date() < deadline {
            usleep(20_000)
        }
        #expect(both.spans.contains { $0.kind == "server" && $0.text?.contains(name) == true }, "\(both.stderrText)")
        #expect(both.stop() == 0)
    }
}
