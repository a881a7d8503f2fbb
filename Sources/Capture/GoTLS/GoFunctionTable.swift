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

    /// The functions named `names`, by address and size; empty when the table is missing or malformed.
    static func symbols(named names: Set<String>, in elf: ELFFile) -> [String: ELFFile.Symbol] {
        guard let section = elf.section(named: ".gopclntab"), section.size < 1 << 31,
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
            // 0 in position-independent executables (a relocation fills it in) and in every
            // executable of Go 1.27: the start of .text stands in (where runtime.text lies)
            let recorded = table.u64(24)
            textStart = recorded != 0 ? recorded : elf.section(named: ".text")?.address ?? 0
            header = 32
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
