/// Go's own function table (`.gopclntab`), which the runtime needs and which stays in stripped
/// executables: each function's entry address and name. A function's size is the distance to the
/// next entry (the padding after it is INT3s, which decode as instructions).
/// Layout: the Go sources, src/runtime/symtab.go (pcHeader, functab, _func) and
/// src/debug/gosym/pclntab.go. Read from executables of Go 1.19, 1.21, 1.24 and 1.27 by the tests.
enum GoFunctionTable {
    /// Header magics: Go 1.16–1.17, 1.18–1.19, 1.20 and later.
    static let magic116: UInt32 = 0xFFFF_FFFA
    static let magic118: UInt32 = 0xFFFF_FFF0
    static let magic120: UInt32 = 0xFFFF_FFF1

    /// The table's section: `.gopclntab`, or in a position-independent executable by Go 1.26 or
    /// older `.data.rel.ro.gopclntab`.
    static func section(in elf: ELFFile) -> ELFFile.Section? {
        elf.section(named: ".gopclntab") ?? elf.section(named: ".data.rel.ro.gopclntab")
    }

    /// Where the module's code starts (runtime.text), from Go's module data (runtime.moduledata,
    /// src/runtime/symtab.go): its first word points at the function table's header, its second
    /// at the table's function names, its 23rd is `text`. It is found by the pointer to the
    /// header, in a writable section or in a relocation. Not `.text`'s start: an externally
    /// linked executable puts C code before runtime.text. Nil when no module data is found.
    static func moduleText(
        _ elf: ELFFile, _ table: ELFFile.Section, namesAt: UInt64, relocations: [UInt64: UInt64]
    ) -> UInt64? {
        var candidates = relocations.filter { $0.value == table.address }.map(\.key)
        for section in elf.sections
        where section.type == ELFFile.sectionProgramBits && section.flags & 3 == 3 && section.size < 1 << 28 {
            guard let bytes = elf.bytes(at: section.offset, count: Int(section.size)) else { continue }
            var at = 0
            while at + 8 <= bytes.count {
                if bytes.u64(at) == table.address { candidates.append(section.address &+ UInt64(at)) }
                at += 8
            }
        }
        let code = elf.sections.filter { $0.flags & 4 != 0 }
        for candidate in candidates.sorted()
        where elf.word(atAddress: candidate &+ 8, relocations: relocations) == table.address &+ namesAt {
            guard let text = elf.word(atAddress: candidate &+ 22 * 8, relocations: relocations),
                  code.contains(where: { text >= $0.address && text - $0.address < $0.size })
            else { continue }
            return text
        }
        return nil
    }

    /// The functions named `names`, by address and size; empty when the table is missing or malformed.
    static func symbols(named names: Set<String>, in elf: ELFFile) -> [String: ELFFile.Symbol] {
        guard let section = section(in: elf), section.size < 1 << 31,
              let table = elf.bytes(at: section.offset, count: Int(section.size)), table.count >= 72,
              table[7] == 8 // pointer size
        else { return [:] }
        let magic = table.u32(0)
        let wide: Bool // 1.16–1.17: functab entries are (uintptr, uintptr), not (uint32, uint32)
        let textStart: UInt64
        let header: Int // offset of funcnameOffset in the header
        switch magic {
        case magic116:
            wide = true
            textStart = 0
            header = 24
        case magic118, magic120:
            wide = false
            header = 32
            // the header's textStart, filled in by a relocation in a position-independent
            // executable; Go 1.27 no longer stores it (0): the module data's text stands in
            let relocations = elf.relativeRelocations()
            let recorded = relocations[section.address &+ 24] ?? table.u64(24)
            guard let start = recorded != 0
                ? recorded : moduleText(elf, section, namesAt: table.u64(header), relocations: relocations)
            else { return [:] }
            textStart = start
        default:
            return [:]
        }
        let count = table.u64(8)
        let namesAt = table.u64(header), functionsAt = table.u64(header + 32)
        let entrySize: UInt64 = wide ? 16 : 8
        guard count < 1 << 24, functionsAt < UInt64(table.count),
              (count + 1) * entrySize <= UInt64(table.count) - functionsAt, namesAt < UInt64(table.count)
        else { return [:] }
        let byFirstByte = Set(names.compactMap { $0.utf8.first })
        var found: [String: ELFFile.Symbol] = [:]
        func entry(_ index: UInt64) -> UInt64 {
            let at = Int(functionsAt + index * entrySize)
            return wide ? table.u64(at) : textStart &+ UInt64(table.u32(at))
        }
        for index in 0..<count where found.count < names.count {
            let at = Int(functionsAt + index * entrySize)
            let recordOffset = wide ? table.u64(at + 8) : UInt64(table.u32(at + 4))
            guard recordOffset < UInt64(table.count) else { continue }
            let nameField = functionsAt + recordOffset + (wide ? 8 : 4)
            guard nameField + 4 <= UInt64(table.count) else { continue }
            let nameOffset = namesAt + UInt64(table.u32(Int(nameField)))
            guard nameOffset < UInt64(table.count), byFirstByte.contains(table[Int(nameOffset)]),
                  let end = table[Int(nameOffset)...].firstIndex(of: 0)
            else { continue }
            let name = String(decoding: table[Int(nameOffset)..<end], as: UTF8.self)
            guard names.contains(name) else { continue }
            let start = entry(index), next = entry(index + 1)
            guard next > start else { continue }
            found[name] = ELFFile.Symbol(address: start, size: next - start)
        }
        return found
    }
}
