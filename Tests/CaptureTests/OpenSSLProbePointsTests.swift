import Capture
import Foundation
import Testing
import TestSupport

/// Where the OpenSSL probes go in the machine's own copies, against objdump: on the internal
/// function both forms of a direction call when the file shows that shape (the system's OpenSSL
/// 3.0, the 3.3+ copy bundled in psycopg2-binary's wheel), on the exported functions otherwise
/// (node's OpenSSL, built in with frame pointers: they begin with a push already).
struct OpenSSLProbePointsTests {
    static let libssl = "/lib/x86_64-linux-gnu/libssl.so.3"
    static let names = Set(ProbeSession.tlsFunctions)
    static func slot(_ name: String) -> Int { ProbeSession.tlsFunctions.firstIndex(of: name)! }

    struct Instruction {
        var address: UInt64
        var mnemonic: String
        /// A call's or jump's target address.
        var target: UInt64?
    }

    /// objdump's first instructions from `address`.
    static func disassemble(_ path: String, at address: UInt64, bytes: UInt64 = 96) throws -> [Instruction] {
        let run = try ChildProcess.run(
            "/usr/bin/objdump", ["-d", "--no-show-raw-insn", "--start-address=\(address)", "--stop-address=\(address + bytes)", path])
        return run.output.split(separator: "\n").compactMap { line in
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasSuffix(":"),
                  let at = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16)
            else { return nil }
            let fields = parts[1].split(separator: " ", omittingEmptySubsequences: true)
            let target = fields.count > 1 ? UInt64(fields[1], radix: 16) : nil
            return Instruction(address: at, mnemonic: String(fields.first ?? ""), target: target)
        }
    }

    /// The probe points in `path`, its exports' offsets, and what to add to an offset for its address.
    static func points(_ path: String) throws -> (points: OpenSSLProbePoints, exports: [String: UInt64], toAddress: UInt64) {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0, "\(path)")
        defer { close(fd) }
        let exports = ELFExports.functions(names, fd: fd)
        let addresses = try ELFExportsTests.nm(path, ["SSL_read"])
        let read = try #require(addresses["SSL_read"])
        return (OpenSSLProbePoints(fd: fd, exports: exports), exports, read - exports["SSL_read"]!)
    }

    /// The first call (or jump) objdump shows in a function.
    static func firstTransfer(_ path: String, _ address: UInt64, jumps: Bool = false) throws -> UInt64? {
        try disassemble(path, at: address).first { $0.mnemonic == "call" || (jumps && $0.mnemonic == "jmp") }?.target
    }

    /// The copy of OpenSSL 1.1.1 bundled in psycopg2-binary 2.9.5's wheel (scripts/setup-python
    /// installs it into .venv/openssl-1.1).
    static func openSSL11() throws -> String {
        let libs = TestEnvironment.packageRoot.appendingPathComponent(".venv/openssl-1.1/psycopg2_binary.libs").path
        let name = try FileManager.default.contentsOfDirectory(atPath: libs).first { $0.hasPrefix("libssl-") && $0.hasSuffix(".so.1.1") }
        return libs + "/" + (try #require(name, "no libssl 1.1 in \(libs): scripts/setup-python installs it"))
    }

    /// OpenSSL 3.0 (the system's) and 1.1.1 have the same shape: SSL_read and SSL_read_ex call
    /// ssl_read_internal, SSL_write and SSL_write_ex ssl_write_internal.
    @Test(arguments: ["system", "1.1.1"])
    func anOpenSSLIsProbedOnItsInternalReadAndWrite(copy: String) throws {
        let path = copy == "system" ? Self.libssl : try Self.openSSL11()
        let (points, exports, toAddress) = try Self.points(path)
        for (plain, ex, shared) in [("SSL_read", "SSL_read_ex", points.sharedRead), ("SSL_write", "SSL_write_ex", points.sharedWrite)] {
            let callee = try #require(try Self.firstTransfer(path, exports[plain]! + toAddress), "\(plain)")
            #expect(try Self.firstTransfer(path, exports[ex]! + toAddress) == callee, "\(ex)")
            #expect(shared.map { $0 + toAddress } == callee, "\(plain)")
            #expect(points.offsets[Self.slot(plain)] == 0, "\(plain)")
            #expect(points.offsets[Self.slot(ex)] + toAddress == callee, "\(ex)")
            // objdump: the probed instruction is a push, not the wrappers' `sub $n,%rsp`
            #expect(try Self.disassemble(path, at: callee).first?.mnemonic == "push")
            #expect(try Self.disassemble(path, at: exports[plain]! + toAddress).first?.mnemonic == "sub")
        }
        #expect(points.offsets[Self.slot("SSL_write_ex2")] == 0)
        #expect(points.offsets[Self.slot("SSL_do_handshake")] == exports["SSL_do_handshake"])
    }

    /// OpenSSL 3.3+: SSL_write_ex jumps to SSL_write_ex2, which passes its five arguments on to the
    /// function SSL_write calls.
    @Test func aBundledOpenSSL33IsProbedOnItsInternalWriteThroughSSLWriteEx2() throws {
        let find = try ChildProcess.run(
            TestEnvironment.python,
            ["-c", "import glob, os, psycopg2; print(glob.glob(os.path.dirname(psycopg2.__file__) + '/../psycopg2_binary.libs/libssl-*')[0])"])
        let path = find.output.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(find.status == 0 && !path.isEmpty, "\(find.errorOutput)")
        let (points, exports, toAddress) = try Self.points(path)
        let ex2 = try #require(exports["SSL_write_ex2"], "psycopg2's OpenSSL is older than 3.3")
        #expect(try Self.firstTransfer(path, exports["SSL_write_ex"]! + toAddress, jumps: true) == ex2 + toAddress)
        let write = try #require(try Self.firstTransfer(path, exports["SSL_write"]! + toAddress))
        #expect(try Self.firstTransfer(path, ex2 + toAddress) == write)
        #expect(points.sharedWrite.map { $0 + toAddress } == write)
        #expect(points.offsets[Self.slot("SSL_write_ex2")] + toAddress == write)
        #expect(points.offsets[Self.slot("SSL_write")] == 0 && points.offsets[Self.slot("SSL_write_ex")] == 0)
        let read = try #require(try Self.firstTransfer(path, exports["SSL_read"]! + toAddress))
        #expect(points.offsets[Self.slot("SSL_read_ex")] + toAddress == read)
        #expect(try Self.disassemble(path, at: write).first?.mnemonic == "push")
    }

    /// A damaged copy (segments said to reach past the end of the address space, random bytes over
    /// the functions' code, cut short) gives probe points or none, never a crash, and never a point
    /// outside the file.
    @Test func damagedCopiesArePlannedSafely() throws {
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.libssl)))
        let (_, exports, _) = try Self.points(Self.libssl)
        let path = NSTemporaryDirectory() + "tusk-damaged-libssl-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: path) }
        var generator = XorShift64()
        func random() -> UInt64 { generator.next() }
        func plan(_ bytes: [UInt8]) throws -> OpenSSLProbePoints {
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let fd = open(path, O_RDONLY)
            try #require(fd >= 0)
            defer { close(fd) }
            return OpenSSLProbePoints(fd: fd, exports: exports)
        }
        func u64(_ at: Int) -> Int { (0..<8).reduce(0) { $0 | Int(original[at + $1]) << (8 * $1) } }
        let programHeaders = u64(32), count = Int(original[56]) | Int(original[57]) << 8
        // every segment's size near the top of the address space
        var huge = original
        for index in 0..<count {
            for i in 0..<8 { huge[programHeaders + 56 * index + 32 + i] = i == 0 ? 0xF0 : 0xFF }
        }
        #expect(try plan(huge).offsets.allSatisfy { $0 < UInt64(original.count) })
        for round in 0..<60 {
            var bytes = original
            let target = Array(exports.values)[round % exports.count]
            for i in 0..<64 { bytes[Int(target) + i] = UInt8(truncatingIfNeeded: random()) }
            if round % 3 == 0 { bytes = Array(bytes.prefix(Int(target) + Int(random() % 48))) }
            let points = try plan(bytes)
            #expect(points.offsets.count == ProbeSession.tlsFunctions.count)
            #expect(points.offsets.allSatisfy { $0 < UInt64(original.count) })
        }
    }

    /// node's SSL_read and SSL_read_ex do their own work (no internal function in common): the
    /// probes stay on them, at their first instruction, a push.
    @Test func nodesBuiltInOpenSSLIsProbedOnItsExports() throws {
        let node = "/usr/bin/node"
        guard FileManager.default.fileExists(atPath: node) else {
            Issue.record("no \(node): the client suite's setup installs it")
            return
        }
        let (points, exports, toAddress) = try Self.points(node)
        #expect(points.sharedRead == nil && points.sharedWrite == nil)
        for name in ["SSL_write", "SSL_read", "SSL_write_ex", "SSL_read_ex"] {
            #expect(points.offsets[Self.slot(name)] == exports[name], "\(name)")
            #expect(try Self.disassemble(node, at: exports[name]! + toAddress).first?.mnemonic == "push", "\(name)")
        }
        #expect(points.offsets[Self.slot("SSL_write_ex2")] == 0)
    }
}
