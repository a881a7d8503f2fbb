import Glibc

/// The functions an ELF file exports in its dynamic symbol table (`nm -D --defined-only`), and
/// where each one's code lies in the file (the offset a uprobe takes): how a program with OpenSSL
/// built in (node) is told apart from one without, and where the probes go. Reads the headers,
/// then `.dynsym` and its string table only; a malformed or foreign file exports nothing.
public enum ELFExports {
    /// Which of `names` the file at `path` defines as functions in `.dynsym`.
    public static func defined(_ names: Set<String>, in path: String) -> Set<String> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        return Set(functions(names, fd: fd).keys)
    }

    /// Largest symbol and string tables read (a program as large as node has a few MB of each).
    static let maxTableBytes = 64 << 20

    /// The file offset of each of `names` the open file defines as a function in `.dynsym`.
    public static func functions(_ names: Set<String>, fd: Int32) -> [String: UInt64] {
        // ELF64 little-endian header: e_phoff at 0x20, e_shoff at 0x28, e_phentsize at 0x36,
        // e_phnum at 0x38, e_shentsize at 0x3a, e_shnum at 0x3c
        guard let header = read(fd, at: 0, count: 64), header.count == 64,
            header[0..<4] == [0x7f, 0x45, 0x4c, 0x46], header[4] == 2, header[5] == 1
        else { return [:] }
        let segments = loadSegments(fd: fd, header: header)
        let sectionsAt = Int(clamping: header.le(UInt64.self, at: 0x28))
        let entrySize = Int(header.le(UInt16.self, at: 0x3a))
        let count = Int(header.le(UInt16.self, at: 0x3c))
        guard entrySize >= 64, count > 0, count < 65_536,
            let sections = read(fd, at: sectionsAt, count: entrySize * count)
        else { return [:] }
        // section header: sh_type at 4, sh_offset at 24, sh_size at 32, sh_link at 40, sh_entsize at 56
        func section(_ index: Int) -> (type: UInt32, offset: Int, size: Int, link: Int, entrySize: Int)? {
            let at = index * entrySize
            guard index >= 0, index < count else { return nil }
            return (
                sections.le(UInt32.self, at: at + 4), Int(clamping: sections.le(UInt64.self, at: at + 24)),
                Int(clamping: sections.le(UInt64.self, at: at + 32)), Int(sections.le(UInt32.self, at: at + 40)),
                Int(clamping: sections.le(UInt64.self, at: at + 56))
            )
        }
        let dynamicSymbols: UInt32 = 11  // SHT_DYNSYM
        guard let symbols = (0..<count).lazy.compactMap(section).first(where: { $0.type == dynamicSymbols }),
            symbols.entrySize >= 24, symbols.size <= maxTableBytes, let strings = section(symbols.link),
            strings.size <= maxTableBytes,
            let symbolBytes = read(fd, at: symbols.offset, count: symbols.size),
            let stringBytes = read(fd, at: strings.offset, count: strings.size)
        else { return [:] }
        let wanted = Set(names.map { Array($0.utf8) })
        var found: [String: UInt64] = [:]
        // Elf64_Sym: st_name (4), st_info (1), st_other (1), st_shndx (2), st_value, st_size
        var at = 0
        while at + 24 <= symbolBytes.count {
            defer { at += symbols.entrySize }
            let isFunction = symbolBytes[at + 4] & 0xf == 2
            let definedHere = symbolBytes.le(UInt16.self, at: at + 6) != 0
            guard isFunction, definedHere else { continue }
            let nameAt = Int(symbolBytes.le(UInt32.self, at: at))
            guard nameAt < stringBytes.count else { continue }
            let end = stringBytes[nameAt...].firstIndex(of: 0) ?? stringBytes.endIndex
            let name = Array(stringBytes[nameAt..<end])
            guard wanted.contains(name) else { continue }
            let address = symbolBytes.le(UInt64.self, at: at + 8)
            // the code's place in the file: through the loadable segment that holds its address
            guard let segment = segments.first(where: { address >= $0.address && address - $0.address < $0.size }) else { continue }
            found[String(decoding: name, as: UTF8.self)] = (address - segment.address) &+ segment.offset
        }
        return found
    }

    /// Where the file's executable loadable segments lie in the file: code at an offset in one of
    /// them runs at the same distance from any other offset in the same one.
    public static func executableRanges(fd: Int32) -> [Range<UInt64>] {
        guard let header = read(fd, at: 0, count: 64), header.count == 64, header[0..<4] == [0x7f, 0x45, 0x4c, 0x46] else { return [] }
        return loadSegments(fd: fd, header: header)
            .filter { $0.executable && $0.size <= UInt64.max - $0.offset }
            .map { $0.offset..<($0.offset + $0.size) }
    }

    /// The loadable segments (PT_LOAD): where each one's bytes lie in memory and in the file.
    private static func loadSegments(fd: Int32, header: [UInt8]) -> [(address: UInt64, size: UInt64, offset: UInt64, executable: Bool)] {
        let at = Int(clamping: header.le(UInt64.self, at: 0x20))
        let entrySize = Int(header.le(UInt16.self, at: 0x36))
        let count = Int(header.le(UInt16.self, at: 0x38))
        guard entrySize >= 56, count > 0, count < 4096, let table = read(fd, at: at, count: entrySize * count) else { return [] }
        // program header: p_type at 0, p_flags at 4 (PF_X: 1), p_offset at 8, p_vaddr at 16, p_filesz at 32
        return (0..<count).compactMap { index in
            let base = index * entrySize
            guard table.le(UInt32.self, at: base) == 1 else { return nil }
            return (
                table.le(UInt64.self, at: base + 16), table.le(UInt64.self, at: base + 32), table.le(UInt64.self, at: base + 8),
                table.le(UInt32.self, at: base + 4) & 1 != 0
            )
        }
    }

    /// `count` bytes of the file from `offset`; nil when it has fewer.
    static func read(_ fd: Int32, at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0, offset <= Int.max - count else { return nil }
        var bytes = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + done, count - done, off_t(offset + done)) }
            guard n > 0 else { return nil }
            done += n
        }
        return bytes
    }
}

extension Array where Element == UInt8 {
    /// A little-endian integer at `offset`; 0 past the end.
    fileprivate func le<T: FixedWidthInteger>(_ type: T.Type, at offset: Int) -> T {
        let size = MemoryLayout<T>.size
        guard offset >= 0, offset + size <= count else { return 0 }
        var value: T = 0
        for i in (0..<size).reversed() { value = value << 8 | T(self[offset + i]) }
        return value
    }
}
