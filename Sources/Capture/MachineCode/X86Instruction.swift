/// The length of one x86-64 instruction, and whether it returns: enough to walk a function's code
/// from its first byte and find its RET instructions (a 0xC3 byte inside another instruction, an
/// immediate or a displacement, is not one). Table-driven over the opcode maps; it covers what the
/// Go compiler and the Go runtime's assembly emit (legacy prefixes, REX, the one-, two- and
/// three-byte maps, VEX, EVEX on those maps), not APX's REX2 or 3DNow!.
public struct X86Instruction: Sendable, Equatable {
    public var length: Int
    /// RET (C3, or C2 with a 16-bit immediate), with any prefixes.
    public var isReturn: Bool

    public init(length: Int, isReturn: Bool) {
        self.length = length
        self.isReturn = isReturn
    }

    /// Architectural limit on an instruction's length.
    public static let maxLength = 15

    /// The instruction starting at `offset` in `code`, or nil when it is not one this decoder
    /// knows (invalid in 64-bit mode, REX2, EVEX on the FP16 maps, 3DNow!) or runs past the end
    /// of `code`.
    public static func decode(_ code: [UInt8], at offset: Int) -> X86Instruction? {
        var at = offset
        func next() -> UInt8? {
            guard at < code.count, at - offset < maxLength else { return nil }
            defer { at += 1 }
            return code[at]
        }
        var operandSize16 = false
        var addressSize32 = false
        var rexW = false
        var byte = next()
        // legacy prefixes, then at most one REX right before the opcode
        while let prefix = byte, legacyPrefixes.contains(prefix) {
            if prefix == 0x66 { operandSize16 = true }
            if prefix == 0x67 { addressSize32 = true }
            byte = next()
        }
        if let rex = byte, rex & 0xF0 == 0x40 {
            rexW = rex & 0x08 != 0
            byte = next()
        }
        guard let opcode = byte else { return nil }
        var operands: UInt8
        switch opcode {
        case 0x0F:
            guard let second = next() else { return nil }
            operands = twoByteMap[Int(second)]
            if operands == Kind.threeByte38 || operands == Kind.threeByte3A {
                guard next() != nil else { return nil }
                operands = operands == Kind.threeByte38 ? Kind.modrm : Kind.modrmImm8
            }
        case 0xC4, 0xC5:
            // VEX: C5 has one payload byte (map 0F implied), C4 two (the first names the map)
            var map: UInt8 = 1
            if opcode == 0xC4 {
                guard let payload = next() else { return nil }
                map = payload & 0x1F
            }
            guard next() != nil, let vexOpcode = next() else { return nil }
            switch map {
            case 1: operands = twoByteMap[Int(vexOpcode)]
            case 2: operands = Kind.modrm
            case 3: operands = Kind.modrmImm8
            default: return nil
            }
        case 0x62:
            // EVEX (AVX-512; BOUND is invalid in 64-bit mode): three payload bytes, the first
            // names the map as VEX's does; a compressed 8-bit displacement is still one byte
            guard let payload = next(), next() != nil, next() != nil, let evexOpcode = next() else { return nil }
            switch payload & 0x07 {
            case 1: operands = twoByteMap[Int(evexOpcode)]
            case 2: operands = Kind.modrm
            case 3: operands = Kind.modrmImm8
            default: return nil
            }
        default:
            operands = oneByteMap[Int(opcode)]
        }
        let immediate32 = operandSize16 ? 2 : 4
        var immediate = 0
        var hasModRM = true
        switch operands {
        case Kind.none: hasModRM = false
        case Kind.modrm: break
        case Kind.imm8: hasModRM = false; immediate = 1
        case Kind.imm16: hasModRM = false; immediate = 2
        case Kind.imm32: hasModRM = false; immediate = immediate32
        case Kind.immWide: hasModRM = false; immediate = rexW ? 8 : immediate32
        case Kind.modrmImm8: immediate = 1
        case Kind.modrmImm32: immediate = immediate32
        case Kind.offset: hasModRM = false; immediate = addressSize32 ? 4 : 8
        case Kind.enter: hasModRM = false; immediate = 3
        case Kind.group3Byte, Kind.group3Wide:
            // TEST (reg 0 and 1) carries an immediate; NOT, NEG, MUL, DIV… do not
            guard at < code.count else { return nil }
            if (code[at] >> 3) & 7 < 2 { immediate = operands == Kind.group3Byte ? 1 : immediate32 }
        default: return nil
        }
        if hasModRM {
            guard let modrm = next() else { return nil }
            let mod = modrm >> 6
            let rm = modrm & 7
            var displacement = mod == 1 ? 1 : mod == 2 ? 4 : 0
            if mod != 3 && rm == 4 {
                guard let sib = next() else { return nil }
                if mod == 0 && sib & 7 == 5 { displacement = 4 }
            }
            if mod == 0 && rm == 5 { displacement = 4 } // RIP-relative
            at += displacement
        }
        at += immediate
        guard at - offset <= maxLength, at <= code.count else { return nil }
        return X86Instruction(length: at - offset, isReturn: opcode == 0xC3 || opcode == 0xC2)
    }

    /// Offsets of the RET instructions in a function's code, decoded from its first byte to its
    /// last; nil when some instruction cannot be decoded (then no RET can be trusted).
    public static func returns(in code: [UInt8]) -> [Int]? {
        var offsets: [Int] = []
        var at = 0
        while at < code.count {
            guard let instruction = decode(code, at: at) else { return nil }
            if instruction.isReturn { offsets.append(at) }
            at += instruction.length
        }
        return offsets
    }

    /// Starts of every instruction in `code`; nil when some instruction cannot be decoded.
    public static func boundaries(in code: [UInt8]) -> [Int]? {
        var starts: [Int] = []
        var at = 0
        while at < code.count {
            guard let instruction = decode(code, at: at) else { return nil }
            starts.append(at)
            at += instruction.length
        }
        return starts
    }

    private static let legacyPrefixes: Set<UInt8> = [0xF0, 0xF2, 0xF3, 0x2E, 0x36, 0x3E, 0x26, 0x64, 0x65, 0x66, 0x67]

    /// What follows an opcode, one character per opcode in the maps below.
    private enum Kind {
        static let none = UInt8(ascii: ".")
        static let modrm = UInt8(ascii: "m")
        static let imm8 = UInt8(ascii: "b")         // also rel8
        static let imm16 = UInt8(ascii: "w")
        static let imm32 = UInt8(ascii: "z")        // 16 bits with a 66 prefix; also rel32
        static let immWide = UInt8(ascii: "v")      // MOV r, imm: 64 bits with REX.W
        static let modrmImm8 = UInt8(ascii: "M")
        static let modrmImm32 = UInt8(ascii: "Z")
        static let offset = UInt8(ascii: "a")       // MOV to or from an absolute address
        static let enter = UInt8(ascii: "e")        // imm16 and imm8
        static let group3Byte = UInt8(ascii: "g")   // F6: TEST has an imm8
        static let group3Wide = UInt8(ascii: "G")   // F7: TEST has an imm32
        static let threeByte38 = UInt8(ascii: "3")  // 0F 38 xx: ModRM
        static let threeByte3A = UInt8(ascii: "A")  // 0F 3A xx: ModRM and imm8
        static let invalid = UInt8(ascii: "x")      // invalid in 64-bit mode, or a prefix (taken earlier)
    }

    /// The one-byte opcode map, a row per high nibble (Intel SDM vol. 2, table A-2).
    private static let oneByteMap = table([
        "mmmmbzxxmmmmbzxx", // 00  ADD, OR (0F is handled before the table)
        "mmmmbzxxmmmmbzxx", // 10  ADC, SBB
        "mmmmbzxxmmmmbzxx", // 20  AND, SUB
        "mmmmbzxxmmmmbzxx", // 30  XOR, CMP
        "xxxxxxxxxxxxxxxx", // 40  REX (taken earlier)
        "................", // 50  PUSH, POP
        "xxxmxxxxzZbM....", // 60  MOVSXD, PUSH imm, IMUL imm
        "bbbbbbbbbbbbbbbb", // 70  Jcc rel8
        "MZxMmmmmmmmmmmmm", // 80  group 1, TEST, XCHG, MOV, LEA, POP
        "..........x.....", // 90  NOP, XCHG, CBW, CWD, PUSHF…
        "aaaa....bz......", // A0  MOV moffs, string ops, TEST imm
        "bbbbbbbbvvvvvvvv", // B0  MOV r, imm
        "MMw.xxMZe.w..bx.", // C0  shifts, RET, MOV imm, ENTER, LEAVE, INT (C4, C5: VEX, taken earlier)
        "mmmmxxx.mmmmmmmm", // D0  shifts, x87
        "bbbbbbbbzzxb....", // E0  LOOP, IN, OUT, CALL, JMP
        "x.xx..gG......mm", // F0  HLT, CMC, group 3, CLC…, group 4, group 5 (prefixes taken earlier)
    ])

    /// The two-byte opcode map, after 0F (Intel SDM vol. 2, table A-3).
    private static let twoByteMap = table([
        "mmmmx.....x.xm.x", // 00  groups 6, 7, LAR, LSL, SYSCALL, UD2, PREFETCH
        "mmmmmmmmmmmmmmmm", // 10  MOVUPS…, hint NOPs, ENDBR64
        "mmmmxxxxmmmmmmmm", // 20  MOV CR/DR, MOVAPS, CVT…
        "......x.3xAxxxxx", // 30  RDTSC…, the three-byte maps
        "mmmmmmmmmmmmmmmm", // 40  CMOVcc
        "mmmmmmmmmmmmmmmm", // 50  SSE
        "mmmmmmmmmmmmmmmm", // 60  SSE2 integer
        "MMMMmmm.mmxxmmmm", // 70  PSHUFD, shift groups 12-14 (imm8), EMMS / VZEROUPPER
        "zzzzzzzzzzzzzzzz", // 80  Jcc rel32
        "mmmmmmmmmmmmmmmm", // 90  SETcc
        "...mMmxx...mMmmm", // A0  PUSH/POP FS/GS, CPUID, BT, SHLD, SHRD, group 15, IMUL
        "mmmmmmmmmmMmmmmm", // B0  CMPXCHG, MOVZX, POPCNT, group 8 (imm8), BSF, BSR, MOVSX
        "mmMmMMMm........", // C0  XADD, CMPPS, PINSRW, PEXTRW, SHUFPS, group 9, BSWAP
        "mmmmmmmmmmmmmmmm", // D0
        "mmmmmmmmmmmmmmmm", // E0
        "mmmmmmmmmmmmmmmm", // F0
    ])

    private static func table(_ rows: [StaticString]) -> [UInt8] {
        rows.flatMap { row in
            row.withUTF8Buffer { Array($0) }
        }
    }
}
