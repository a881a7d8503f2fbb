import Glibc

/// The parts of an x86-64 ELF executable the Go TLS probes need: sections, the symbol table,
/// and the file offset of a virtual address. Every read is bounds-checked; a malformed or
/// truncated file gives nil answers, never a crash.
/// Layout: https://refspecs.linuxfoundation.org/elf/gabi4+/ch4.eheader.html
public final class ELFFile {
    public struct Section: Sendable, Equatable {
        public var name: String
        public var type: UInt32
        /// SHF_WRITE (1), SHF_ALLOC (2), SHF_EXECINSTR (4)…
        public var flags: UInt64
        public var address: UInt64
        public var offset: UInt64
        public var size: UInt64
        public var link: UInt32
    }

    public struct Symbol: Sendable, Equatable {
        public var address: UInt64
        public var size: UInt64
    }

    /// A loadable segment: `fileSize` bytes at `offset` in the file appear at `address`.
    struct Segment {
        var address: UInt64
        var offset: UInt64
        var fileSize: UInt64
    }

    public let sections: [Section]
    private let segments: [Segment]
    private let fd: Int32
    private let fileSize: UInt64

    static let sectionProgramBits: UInt32 = 1
    static let sectionSymbolTable: UInt32 = 2
    static let sectionRelocationsWithAddends: UInt32 = 4
    static let relocationRelative: UInt32 = 8 // R_X86_64_RELATIVE
    static let segmentLoad: UInt32 = 1
    static let machineX86_64: UInt16 = 62

    /// Opens an ELF64 little-endian x86-64 file; nil when it is not one or cannot be read.
    public init?(path: String) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size > 64 else {
            close(fd)
            return nil
        }
        fileSize = UInt64(info.st_size)
        guard let header = Self.read(fd, fileSize, at: 0, count: 64),
              header[0..<4] == [0x7F, 0x45, 0x4C, 0x46], header[4] == 2, header[5] == 1,
              header.u16(18) == Self.machineX86_64
        else {
            close(fd)
            return nil
        }
        segments = Self.segments(fd, fileSize, header)
        sections = Self.sections(fd, fileSize, header)
    }

    deinit {
        close(fd)
    }

    public func section(named name: String) -> Section? {
        sections.first { $0.name == name }
    }

    /// Bytes of the file; nil past its end.
    public func bytes(at offset: UInt64, count: Int) -> [UInt8]? {
        Self.read(fd, fileSize, at: offset, count: count)
    }

    /// The file offset whose bytes a loadable segment maps at `address` (a uprobe's offset).
    public func fileOffset(ofAddress address: UInt64) -> UInt64? {
        for segment in segments where address >= segment.address && address - segment.address < segment.fileSize {
            let (offset, overflow) = segment.offset.addingReportingOverflow(address - segment.address)
            return overflow ? nil : offset
        }
        return nil
    }

    /// The 64-bit word a loaded process holds at `address`: the addend of a relative relocation
    /// there (a position-independent executable's pointers are 0 in the file until the loader
    /// fills them in), else the file's bytes. `relocations` comes from `relativeRelocations()`.
    public func word(atAddress address: UInt64, relocations: [UInt64: UInt64]) -> UInt64? {
        if let addend = relocations[address] { return addend }
        guard let offset = fileOffset(ofAddress: address), let bytes = bytes(at: offset, count: 8) else { return nil }
        return bytes.u64(0)
    }

    /// The relative relocations of every `SHT_RELA` section: the address each fills in, and the
    /// address it puts there.
    public func relativeRelocations() -> [UInt64: UInt64] {
        var found: [UInt64: UInt64] = [:]
        for section in sections where section.type == Self.sectionRelocationsWithAddends && section.size < 1 << 28 {
            guard let table = bytes(at: section.offset, count: Int(section.size)) else { continue }
            var at = 0
            while at + 24 <= table.count {
                if UInt32(truncatingIfNeeded: table.u64(at + 8)) == Self.relocationRelative {
                    found[table.u64(at)] = table.u64(at + 16)
                }
                at += 24
            }
        }
        return found
    }

    /// The `.symtab` symbols with these names (functions and data alike). Empty when the file has
    /// no symbol table (stripped).
    public func symbols(named names: Set<String>) -> [String: Symbol] {
        guard let table = sections.first(where: { $0.type == Self.sectionSymbolTable }),
              Int(table.link) < sections.count,
              let symbols = bytes(at: table.offset, count: Int(clamping: table.size)),
              let strings = bytes(at: sections[Int(table.link)].offset, count: Int(clamping: sections[Int(table.link)].size))
        else { return [:] }
        let byFirstByte = Set(names.compactMap { $0.utf8.first })
        var found: [String: Symbol] = [:]
        var entry = 0
        while entry + 24 <= symbols.count, found.count < names.count {
            defer { entry += 24 }
            let nameOffset = Int(symbols.u32(entry))
            guard nameOffset < strings.count, byFirstByte.contains(strings[nameOffset]),
                  let name = Self.string(strings, at: nameOffset), names.contains(name)
            else { continue }
            found[name] = Symbol(address: symbols.u64(entry + 8), size: symbols.u64(entry + 16))
        }
        return found
    }

    // MARK: reading

    private static func read(_ fd: Int32, _ fileSize: UInt64, at offset: UInt64, count: Int) -> [UInt8]? {
        guard count >= 0, offset <= fileSize, UInt64(count) <= fileSize - offset else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset) + off_t(done)) }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes
    }

    private static func string(_ bytes: [UInt8], at offset: Int) -> String? {
        guard offset < bytes.count, let end = bytes[offset...].firstIndex(of: 0) else { return nil }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    private static func segments(_ fd: Int32, _ fileSize: UInt64, _ header: [UInt8]) -> [Segment] {
        let offset = header.u64(32), entrySize = Int(header.u16(54)), count = Int(header.u16(56))
        guard entrySize >= 56, let table = read(fd, fileSize, at: offset, count: entrySize * count) else { return [] }
        return (0..<count).compactMap { i in
            let at = i * entrySize
            guard table.u32(at) == segmentLoad else { return nil }
            return Segment(address: table.u64(at + 16), offset: table.u64(at + 8), fileSize: table.u64(at + 32))
        }
    }

    private static func sections(_ fd: Int32, _ fileSize: UInt64, _ header: [UInt8]) -> [Section] {
        let offset = header.u64(40), entrySize = Int(header.u16(58)), count = Int(header.u16(60))
        let namesIndex = Int(header.u16(62))
        guard entrySize >= 64, namesIndex < count, let table = read(fd, fileSize, at: offset, count: entrySize * count)
        else { return [] }
        let namesAt = namesIndex * entrySize
        let names = read(fd, fileSize, at: table.u64(namesAt + 24), count: Int(clamping: table.u64(namesAt + 32))) ?? []
        return (0..<count).map { i in
            let at = i * entrySize
            return Section(
                name: string(names, at: Int(table.u32(at))) ?? "", type: table.u32(at + 4), flags: table.u64(at + 8),
                address: table.u64(at + 16),
                offset: table.u64(at + 24), size: table.u64(at + 32), link: table.u32(at + 40))
        }
    }
}

extension [UInt8] {
    /// Little-endian integers at `offset`; the caller has checked the bounds.
    func u16(_ offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
    func u32(_ offset: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(self[offset + $1]) << (8 * $1) } }
    func u64(_ offset: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(self[offset + $1]) << (8 * $1) } }
}
