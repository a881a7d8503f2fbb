import Capture
import Foundation
import Testing
import TestSupport

/// Finding crypto/tls's Write and Read in real Go executables built at test time, by Debian's Go and
/// by each release of scripts/go-toolchains, checked against objdump: the functions' entries,
/// every instruction boundary and every RET.
@Suite(.enabled(if: GoProgram.canBuild), .serialized)
struct GoTLSBinaryTests {
    /// Debian's Go and the releases scripts/setup-go installs.
    static let toolchains = [GoToolchain.debian] + GoToolchain.releases

    /// A Go program that links crypto/tls's Conn; it waits for a line on stdin.
    static let tlsSource = """
        package main

        import (
        \t"bufio"
        \t"crypto/tls"
        \t"fmt"
        \t"net"
        \t"os"
        )

        func main() {
        \tbufio.NewReader(os.Stdin).ReadString('\\n')
        \ta, b := net.Pipe()
        \tb.Close()
        \tc := tls.Client(a, &tls.Config{InsecureSkipVerify: true})
        \t_, err := c.Write([]byte("x"))
        \tbuf := make([]byte, 1)
        \t_, err2 := c.Read(buf)
        \tfmt.Println(err, err2)
        }
        """
    static let plainSource = """
        package main

        import "fmt"

        func main() { fmt.Println("no tls") }
        """

    static func source(_ name: String, _ text: String) throws -> String {
        let directory = NSTemporaryDirectory() + "tusk-go-sources-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(name).go"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func tlsProgram(flags: [String] = [], toolchain: GoToolchain = .debian) throws -> String {
        try GoProgram.build(try source("gotls", tlsSource), flags: flags, toolchain: toolchain)
    }

    /// False, after saying so, when the toolchain is missing and skipping is allowed; when skipping
    /// is forbidden (CI) the build's error fails the test.
    static func canUse(_ toolchain: GoToolchain) -> Bool {
        if let reason = toolchain.unavailable, !TestEnvironment.noSkip {
            print("SKIPPED Go \(toolchain) test: \(reason) — set TUSK_NO_SKIP=1 to make this a failure")
            return false
        }
        return true
    }

    /// Function symbols (address, size) by name, from `go tool nm` of the toolchain that built it.
    static func functions(_ executable: String, toolchain: GoToolchain = .debian) throws -> [String: (address: UInt64, size: UInt64)] {
        let nm = try ChildProcess.run(toolchain.go, ["tool", "nm", "-size", executable])
        var result: [String: (UInt64, UInt64)] = [:]
        for line in nm.output.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: true)
            guard fields.count == 4, fields[2] == "T" || fields[2] == "t",
                  let address = UInt64(fields[0], radix: 16), let size = UInt64(fields[1]), size > 0
            else { continue }
            result[String(fields[3])] = (address, size)
        }
        return result
    }

    /// objdump's instructions in [start, stop): address → mnemonic, and the file offset of `start`.
    static func objdump(_ executable: String, from start: UInt64, to stop: UInt64) throws -> (instructions: [UInt64: String], startOffset: UInt64?) {
        let run = try ChildProcess.run(
            "/usr/bin/objdump",
            ["-d", "-F", "--no-show-raw-insn", "--start-address=\(start)", "--stop-address=\(stop)", executable])
        var instructions: [UInt64: String] = [:]
        var startOffset: UInt64?
        for line in run.output.split(separator: "\n") {
            if line.contains("(File Offset: 0x"), let hex = line.split(separator: "0x").last?.prefix(while: \.isHexDigit),
               let address = UInt64(line.prefix(while: \.isHexDigit), radix: 16), address == start {
                startOffset = UInt64(hex, radix: 16)
            }
            let parts = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard parts.count >= 2, parts[0].hasSuffix(":"),
                  let address = UInt64(parts[0].dropLast().trimmingCharacters(in: .whitespaces), radix: 16)
            else { continue }
            instructions[address] = String(parts[1].split(separator: " ").first ?? "")
        }
        return (instructions, startOffset)
    }

    /// The conditional jump of a Go function's stack check, among its first three instructions:
    /// where its entry probe belongs (`ProbeSite.goEntry`).
    static func stackCheckJump(_ instructions: [UInt64: String], from start: UInt64) -> UInt64? {
        let firstThree = instructions.keys.filter { $0 >= start }.sorted().prefix(3)
        return firstThree.first { instructions[$0]!.hasPrefix("j") && instructions[$0] != "jmp" }
    }

    /// The entry probe sits on the stack check's jump (the kernel runs it in place), the return
    /// probes on every RET.
    @Test(arguments: toolchains)
    func writeAndReadAreFoundWithEveryReturn(toolchain: GoToolchain) throws {
        guard Self.canUse(toolchain) else { return }
        let executable = try Self.tlsProgram(toolchain: toolchain)
        guard case .probeable(let binary) = GoTLSBinary.inspect(path: executable) else {
            Issue.record("\(GoTLSBinary.inspect(path: executable))")
            return
        }
        #expect(binary.goVersion == (try toolchain.version()))
        let symbols = try Self.functions(executable, toolchain: toolchain)
        for (name, function) in [(GoTLSBinary.writeSymbol, binary.write), (GoTLSBinary.readSymbol, binary.read)] {
            let symbol = try #require(symbols[name])
            let dump = try Self.objdump(executable, from: symbol.address, to: symbol.address + symbol.size)
            let startOffset = try #require(dump.startOffset, "objdump names no file offset for \(name)")
            let stackCheck = try #require(Self.stackCheckJump(dump.instructions, from: symbol.address), "\(name)")
            #expect(function.entry == stackCheck - symbol.address + startOffset, "\(name)")
            let returns = dump.instructions.filter { $0.value.hasPrefix("ret") }.keys.map { $0 - symbol.address + startOffset }
            #expect(!returns.isEmpty)
            #expect(function.returns.sorted() == returns.sorted(), "\(name)")
        }
    }

    /// Every function of crypto/tls, net and the runtime (compiled Go and hand-written assembly):
    /// the decoder's instruction boundaries are objdump's.
    @Test(arguments: ["crypto/tls.", "net.", "runtime."], toolchains)
    func decoderAgreesWithObjdump(package: String, toolchain: GoToolchain) throws {
        guard Self.canUse(toolchain) else { return }
        let executable = try Self.tlsProgram(toolchain: toolchain)
        let functions = try Self.functions(executable, toolchain: toolchain).filter { $0.key.hasPrefix(package) }
        try #require(functions.count > 20)
        let start = functions.values.map(\.address).min()!
        let stop = functions.values.map { $0.address + $0.size }.max()!
        let dump = try Self.objdump(executable, from: start, to: stop)
        let elf = try #require(ELFFile(path: executable))
        var mismatches: [String] = []
        for (name, symbol) in functions {
            let offset = try #require(elf.fileOffset(ofAddress: symbol.address))
            let code = try #require(elf.bytes(at: offset, count: Int(symbol.size)))
            let expected = dump.instructions.keys.filter { $0 >= symbol.address && $0 < symbol.address + symbol.size }.sorted()
            let decoded = X86Instruction.boundaries(in: code)?.map { symbol.address + UInt64($0) }
            if decoded != expected {
                let first = zip(decoded ?? [], expected).first { $0 != $1 }
                mismatches.append("\(name): first difference at \(first.map { String($0.1, radix: 16) } ?? "end")")
            }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(functions.count) functions: \(mismatches.prefix(10))")
    }

    /// `-ldflags=-s -w` drops the symbol table; Go's function table gives the same functions.
    @Test(arguments: toolchains)
    func aStrippedExecutableIsFoundThroughGosFunctionTable(toolchain: GoToolchain) throws {
        guard Self.canUse(toolchain) else { return }
        let full = try Self.tlsProgram(toolchain: toolchain)
        let stripped = try Self.tlsProgram(flags: ["-ldflags=-s -w"], toolchain: toolchain)
        guard case .probeable(let expected) = GoTLSBinary.inspect(path: full),
              case .probeable(let found) = GoTLSBinary.inspect(path: stripped)
        else {
            Issue.record("\(GoTLSBinary.inspect(path: stripped))")
            return
        }
        #expect(ELFFile(path: stripped)?.section(named: ".symtab") == nil)
        #expect(found.write == expected.write && found.read == expected.read && found.goVersion == expected.goVersion)
    }

    /// Linked by the system's linker (C code before runtime.text in .text) and position-independent
    /// (the function table's pointers left to relocations): stripped, the function table still
    /// gives the functions the symbol table gives.
    @Test(arguments: toolchains, ["-ldflags=-linkmode=external", "-buildmode=pie"])
    func strippedExternallyLinkedAndPositionIndependentExecutables(toolchain: GoToolchain, mode: String) throws {
        guard Self.canUse(toolchain) else { return }
        let strip = mode.hasPrefix("-ldflags=") ? [mode + " -s -w"] : [mode, "-ldflags=-s -w"]
        let full = try Self.tlsProgram(flags: [mode], toolchain: toolchain)
        let stripped = try Self.tlsProgram(flags: strip, toolchain: toolchain)
        guard case .probeable(let expected) = GoTLSBinary.inspect(path: full) else {
            Issue.record("\(GoTLSBinary.inspect(path: full))")
            return
        }
        let symbols = try Self.functions(full, toolchain: toolchain)
        let elf = try #require(ELFFile(path: full))
        let write = try #require(symbols[GoTLSBinary.writeSymbol])
        let dump = try Self.objdump(full, from: write.address, to: write.address + write.size)
        let stackCheck = try #require(Self.stackCheckJump(dump.instructions, from: write.address))
        #expect(expected.write.entry == elf.fileOffset(ofAddress: stackCheck))
        #expect(ELFFile(path: stripped)?.section(named: ".symtab") == nil)
        guard case .probeable(let found) = GoTLSBinary.inspect(path: stripped) else {
            Issue.record("\(GoTLSBinary.inspect(path: stripped))")
            return
        }
        #expect(found.write == expected.write && found.read == expected.read, "\(found) \(expected)")
    }

    /// Without either table nothing can be found, and the result says so.
    @Test(arguments: toolchains)
    func anExecutableWithoutEitherTableIsSaidToBeStripped(toolchain: GoToolchain) throws {
        guard Self.canUse(toolchain) else { return }
        let stripped = try Self.tlsProgram(flags: ["-ldflags=-s -w"], toolchain: toolchain)
        let bare = stripped + "-bare"
        let objcopy = try ChildProcess.run("/usr/bin/objcopy", ["--remove-section=.gopclntab", stripped, bare])
        try #require(objcopy.status == 0, "\(objcopy.errorOutput)")
        #expect(GoTLSBinary.inspect(path: bare) == .stripped(goVersion: try toolchain.version()))
    }

    @Test func goWithoutCryptoTLS() throws {
        let executable = try GoProgram.build(try Self.source("plain", Self.plainSource))
        #expect(GoTLSBinary.inspect(path: executable) == .withoutTLS)
    }

    /// Not Go, not ELF, cut short: answers, never a crash.
    @Test func otherFilesAreNotGo() throws {
        #expect(GoTLSBinary.inspect(path: "/bin/sh") == .notGo)
        #expect(GoTLSBinary.inspect(path: "/nonexistent") == .notGo)
        #expect(GoTLSBinary.inspect(path: "/proc/self") == .notGo)
        let whole = try Data(contentsOf: URL(fileURLWithPath: try Self.tlsProgram()))
        let directory = NSTemporaryDirectory() + "tusk-go-sources-\(getpid())"
        for (name, bytes) in [("cut-64k", whole.prefix(65536)), ("cut-header", whole.prefix(100)), ("noise", Data((0..<70000).map { UInt8(truncatingIfNeeded: $0 &* 2654435761 >> 7) }))] {
            let path = "\(directory)/\(name)"
            try bytes.write(to: URL(fileURLWithPath: path))
            if case .probeable = GoTLSBinary.inspect(path: path) { Issue.record("\(name) inspected as probeable") }
        }
    }

    /// Damaged headers and tables (the ELF header, Go's function table, the build info) give
    /// answers, never a crash or an out-of-range read.
    @Test func damagedExecutablesAreInspectedSafely() throws {
        let stripped = try Self.tlsProgram(flags: ["-ldflags=-s -w"])
        let elf = try #require(ELFFile(path: stripped))
        let table = try #require(elf.section(named: ".gopclntab"))
        let buildInfo = try #require(elf.section(named: ".go.buildinfo"))
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: stripped)))
        let path = NSTemporaryDirectory() + "tusk-go-sources-\(getpid())/damaged"
        var generator = XorShift64()
        func random() -> UInt64 { generator.next() }
        func u64(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(original[at + $1]) << (8 * UInt64($1)) } }
        let programHeaders = u64(32), sectionHeaders = u64(40), sectionCount = UInt64(original[60]) | UInt64(original[61]) << 8
        let regions: [(start: UInt64, length: UInt64)] = [
            (0, 64), (programHeaders, 56 * 3), (sectionHeaders, 64 * sectionCount), (table.offset, 4096), (buildInfo.offset, 64),
        ]
        // every loadable segment said to start near the end of the address space
        var farSegments = original
        let programHeaderCount = Int(original[56]) | Int(original[57]) << 8
        for index in 0..<programHeaderCount where farSegments[Int(programHeaders) + 56 * index] == 1 {
            for i in 0..<8 { farSegments[Int(programHeaders) + 56 * index + 8 + i] = i == 0 ? 0xF0 : 0xFF }
        }
        try Data(farSegments).write(to: URL(fileURLWithPath: path))
        #expect(GoTLSBinary.inspect(path: path) == .undecodable(function: GoTLSBinary.writeSymbol))
        for round in 0..<100 {
            var bytes = original
            let region = regions[round % regions.count]
            for _ in 0..<3 {
                let at = Int(region.start + random() % (region.length - 8))
                let value = round % 2 == 0 ? UInt64.max - random() % 4096 : random()
                for i in 0..<8 { bytes[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
            }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            _ = GoTLSBinary.inspect(path: path)
        }
    }

    /// A running Go process is found through /proc, once per file, at a path through its root.
    @Test func aRunningGoProcessIsFound() throws {
        let executable = try Self.tlsProgram()
        let first = try InteractiveProcess(executable, [])
        let second = try InteractiveProcess(executable, [])
        defer {
            first.closeInput()
            second.closeInput()
            _ = first.wait()
            _ = second.wait()
        }
        let found = GoExecutables.find(pids: [first.pid, second.pid, getpid()])
        try #require(found.count == 1, "\(found)")
        #expect(found[0].path == "/proc/\(first.pid)/root" + executable)
        #expect(found[0].pids == [first.pid, second.pid])
        guard case .probeable(let binary) = found[0].inspection else {
            Issue.record("\(found[0].inspection)")
            return
        }
        #expect(binary.path == found[0].path)
    }
}
