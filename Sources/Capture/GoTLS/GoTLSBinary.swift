import Glibc

/// A Go executable whose crypto/tls the TLS probes can go on: where `(*Conn).Write` and
/// `(*Conn).Read` start and where each returns, as file offsets. Found from the ELF symbol table
/// (`.symtab`), or in a stripped executable from Go's own function table (`.gopclntab`). Only Go's
/// register ABI (Go 1.17 and later, amd64) is supported: the probes read arguments and results
/// from registers.
public struct GoTLSBinary: Sendable, Equatable {
    /// Where a function's entry probe goes (its first instruction, or its stack check's jump:
    /// `ProbeSite.goEntry`) and each of its RET instructions, as offsets in the file.
    public struct Function: Sendable, Equatable {
        public var entry: UInt64
        public var returns: [UInt64]
    }

    /// What inspecting a file found.
    public enum Inspection: Sendable, Equatable {
        case probeable(GoTLSBinary)
        /// Not an x86-64 ELF Go executable (no `.go.buildinfo` section).
        case notGo
        /// A Go executable that does not link crypto/tls's Conn.
        case withoutTLS
        /// Neither a symbol table nor Go's function table: the functions cannot be found.
        case stripped(goVersion: String?)
        /// Older than Go 1.17 (arguments on the stack), or a version that cannot be read.
        case unsupportedVersion(String?)
        /// A function whose code holds an instruction the decoder does not know: its RETs are not
        /// all known, so it is not probed.
        case undecodable(function: String)
    }

    public static let writeSymbol = "crypto/tls.(*Conn).Write"
    public static let readSymbol = "crypto/tls.(*Conn).Read"
    /// Go's register ABI on amd64 arrived in 1.17.
    public static let oldestMinorVersion = 17

    public var path: String
    public var device: UInt64
    public var inode: UInt64
    /// e.g. `go1.19.8`
    public var goVersion: String
    public var write: Function
    public var read: Function

    /// Reads the executable at `path` (e.g. `/proc/PID/root/usr/bin/app`).
    public static func inspect(path: String) -> Inspection {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, let elf = ELFFile(path: path),
              let buildInfo = elf.section(named: ".go.buildinfo")
        else { return .notGo }
        let version = goVersion(elf, buildInfo)
        // the symbol table, or in a stripped executable Go's own function table
        var symbols = elf.symbols(named: [writeSymbol, readSymbol])
        if symbols.isEmpty && elf.section(named: ".symtab") == nil {
            symbols = GoFunctionTable.symbols(named: [writeSymbol, readSymbol], in: elf)
            if symbols.isEmpty && GoFunctionTable.section(in: elf) == nil { return .stripped(goVersion: version) }
        }
        guard let version, let minor = minorVersion(version), minor >= oldestMinorVersion else {
            return .unsupportedVersion(version)
        }
        guard let writeSymbol = symbols[writeSymbol], let readSymbol = symbols[readSymbol] else { return .withoutTLS }
        guard let write = function(elf, writeSymbol) else { return .undecodable(function: Self.writeSymbol) }
        guard let read = function(elf, readSymbol) else { return .undecodable(function: Self.readSymbol) }
        return .probeable(GoTLSBinary(
            path: path, device: UInt64(info.st_dev), inode: UInt64(info.st_ino), goVersion: version, write: write, read: read))
    }

    /// `go1.19.8` → 19; nil for anything not `go1.N…`.
    public static func minorVersion(_ version: String) -> Int? {
        guard let range = version.firstRange(of: "go1.") else { return nil }
        return Int(String(version[range.upperBound...].prefix(while: \.isNumber)))
    }

    /// A function's code decoded from its symbol: its entry probe's place (`ProbeSite.goEntry`) and
    /// RETs as file offsets.
    private static func function(_ elf: ELFFile, _ symbol: ELFFile.Symbol) -> Function? {
        guard symbol.size > 0, symbol.size < 1 << 20, let start = elf.fileOffset(ofAddress: symbol.address),
              let code = elf.bytes(at: start, count: Int(symbol.size)),
              let returns = X86Instruction.returns(in: code), !returns.isEmpty
        else { return nil }
        return Function(entry: start &+ UInt64(ProbeSite.goEntry(code)), returns: returns.map { start &+ UInt64($0) })
    }

    /// The Go version the build info records. Its header: 14 bytes of magic, the pointer size,
    /// flags; since Go 1.18 (flag 2) the version follows inline at offset 32 as a varint-prefixed
    /// string, before that the header points at the `runtime.buildVersion` string.
    static func goVersion(_ elf: ELFFile, _ section: ELFFile.Section) -> String? {
        guard let header = elf.bytes(at: section.offset, count: 32),
              header[0] == 0xFF, header[1..<14].elementsEqual(" Go buildinf:".utf8),
              header[14] == 8
        else { return nil }
        if header[15] & 2 != 0 {
            guard let lengthBytes = elf.bytes(at: section.offset &+ 32, count: 10) else { return nil }
            var length = 0, shift = 0, used = 0
            for byte in lengthBytes {
                used += 1
                length |= Int(byte & 0x7F) << shift
                if byte & 0x80 == 0 { break }
                shift += 7
                if shift > 28 { return nil }
            }
            guard length > 0, length < 256, let text = elf.bytes(at: section.offset &+ 32 &+ UInt64(used), count: length) else { return nil }
            return String(decoding: text, as: UTF8.self)
        }
        // pointer format: the address of a Go string header (data pointer, length)
        guard let stringHeaderOffset = elf.fileOffset(ofAddress: header.u64(16)),
              let stringHeader = elf.bytes(at: stringHeaderOffset, count: 16),
              case let length = stringHeader.u64(8), length > 0, length < 256,
              let dataOffset = elf.fileOffset(ofAddress: stringHeader.u64(0)),
              let text = elf.bytes(at: dataOffset, count: Int(length))
        else { return nil }
        return String(decoding: text, as: UTF8.self)
    }
}
