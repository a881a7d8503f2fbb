import Capture
import Foundation
import Testing

/// The functions an ELF file exports, and where their code lies in the file, against `nm -D` and
/// `readelf -l` on the machine's own files.
struct ELFExportsTests {
    static let libssl = "/lib/x86_64-linux-gnu/libssl.so.3"
    static let functions: Set<String> = ["SSL_read", "SSL_write", "SSL_read_ex", "SSL_write_ex"]

    /// `nm -D --defined-only` addresses of `names` (symbol versions cut off).
    static func nm(_ path: String, _ names: Set<String>) throws -> [String: UInt64] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/nm")
        process.arguments = ["-D", "--defined-only", path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var found: [String: UInt64] = [:]
        for line in output.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[1] == "T" || fields[1] == "t" else { continue }
            let name = String(fields[2].split(separator: "@")[0])
            if names.contains(name) { found[name] = UInt64(fields[0], radix: 16) }
        }
        return found
    }

    /// libssl's code segment starts at the same place in memory and in the file, so each offset is
    /// nm's address.
    @Test func libSSLsFunctionsAreWhereNMSays() throws {
        let fd = open(Self.libssl, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let offsets = ELFExports.functions(Self.functions, fd: fd)
        #expect(Set(offsets.keys) == Self.functions)
        #expect(offsets == (try Self.nm(Self.libssl, Self.functions)))
    }

    /// node has OpenSSL built in; its code segment lies elsewhere in memory than in the file, so
    /// the offset is nm's address moved by the segment's difference.
    @Test func nodeExportsOpenSSL() throws {
        let node = "/usr/bin/node"
        guard FileManager.default.fileExists(atPath: node) else { return }
        #expect(ELFExports.defined(Self.functions, in: node) == Self.functions)
        let fd = open(node, O_RDONLY)
        defer { close(fd) }
        let offsets = ELFExports.functions(Self.functions, fd: fd)
        let addresses = try Self.nm(node, Self.functions)
        // the same difference for all four: one segment holds them
        let shifts = Set(Self.functions.map { addresses[$0]! &- offsets[$0]! })
        #expect(shifts.count == 1)
        #expect(TLSLibraries.hasOpenSSL(program: node))
    }

    @Test func programsWithoutOpenSSLExportNone() {
        #expect(ELFExports.defined(Self.functions, in: "/bin/true").isEmpty)
        #expect(ELFExports.defined(Self.functions, in: "/lib/x86_64-linux-gnu/libcrypto.so.3").isEmpty)
        #expect(!TLSLibraries.hasOpenSSL(program: "/bin/true"))
    }

    /// Text, a truncated ELF and a missing file export nothing, and nothing crashes.
    @Test func malformedFilesExportNothing() throws {
        let directory = NSTemporaryDirectory() + "tusk-elf-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.libssl))
        let cases: [(String, Data)] = [
            ("text", Data("not an ELF file at all\n".utf8)),
            ("header-only", bytes.prefix(64)),
            ("half", bytes.prefix(bytes.count / 2)),
            ("no-sections", bytes.prefix(0x28) + Data(repeating: 0xff, count: 8) + bytes.dropFirst(0x30).prefix(16)),
        ]
        for (name, data) in cases {
            let path = "\(directory)/\(name)"
            try data.write(to: URL(fileURLWithPath: path))
            #expect(ELFExports.defined(Self.functions, in: path).isEmpty, "\(name)")
        }
        #expect(ELFExports.defined(Self.functions, in: "\(directory)/missing").isEmpty)
    }

    /// libssl with its ELF header, program headers or section headers scrambled, a few bytes at a
    /// time (a fixed sequence): whatever the result, nothing crashes.
    @Test func scrambledHeadersNeverCrash() throws {
        let directory = NSTemporaryDirectory() + "tusk-elf-scrambled-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.libssl)))
        let sectionsAt = Int(original[0x28..<0x30].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        var seed: UInt64 = 0x9e37_79b9_7f4a_7c15
        func next() -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: seed >> 33)
        }
        let path = "\(directory)/scrambled"
        for round in 0..<300 {
            var bytes = original
            for _ in 0..<4 {
                // the ELF header and program headers, or the section headers
                let at = round % 2 == 0 ? next() % 0x400 : sectionsAt + next() % max(1, original.count - sectionsAt)
                bytes[min(at, bytes.count - 1)] = UInt8(truncatingIfNeeded: next())
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = ELFExports.defined(Self.functions, in: path)
        }
    }
}
