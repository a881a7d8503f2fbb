/// Where a uprobe costs least. The kernel's x86 uprobes run a few instructions in the trap handler
/// itself: a push of a register, a call, jmp or conditional jump to a relative target, a nop. Any
/// other instruction under a breakpoint is copied out of line and single-stepped, a second trap;
/// under KVM, which intercepts every debug exception, that step exits to the hypervisor. Measured
/// on a 6.18 guest: a hit on an emulated instruction ~0.9 µs, on a single-stepped one ~9.5 µs.
///
/// Code is a function's bytes from its first instruction; offsets are relative to that start.
public enum ProbeSite {
    /// Whether the kernel runs the instruction at `at` without single-stepping it.
    public static func isEmulated(_ code: [UInt8], at: Int) -> Bool {
        guard at >= 0, at < code.count else { return false }
        let first = code[at]
        let second = at + 1 < code.count ? code[at + 1] : nil
        switch first {
        case 0x50...0x57, 0x90, 0xE8, 0xE9, 0xEB, 0x70...0x7F:
            return true  // push, nop, call, jmp, jcc
        case 0x41:
            return second.map { (0x50...0x57).contains($0) } ?? false  // push %r8…%r15
        case 0x0F:
            // jcc rel32; the multi-byte nop
            return second.map { (0x80...0x8F).contains($0) || $0 == 0x1F } ?? false
        default:
            return false
        }
    }

    /// Where an entry probe (and a return probe) on the function goes: its first instruction, or the
    /// one after a leading `endbr64` when the kernel runs that one in place. The stack pointer is
    /// the function's own at both, so a return probe there finds the return address.
    public static func entry(_ code: [UInt8]) -> Int {
        hasEndbr64(code) && isEmulated(code, at: 4) ? 4 : 0
    }

    /// Where an entry probe on a Go function goes: its first instruction, or the conditional jump
    /// of its stack check (`cmp 0x10(%r14),%rsp`, after a `lea -n(%rsp),%r12` and
    /// `cmp 0x10(%r14),%r12` for a large frame) when that is all that comes before it. Those write
    /// only the flags and r12, no argument register nor the goroutine's (r14) nor the stack pointer.
    public static func goEntry(_ code: [UInt8]) -> Int {
        var at = 0
        for _ in 0..<3 {
            if isEmulated(code, at: at) { return isConditionalJump(code, at: at) ? at : 0 }
            guard isStackCheckStep(code, at: at), let instruction = X86Instruction.decode(code, at: at) else { return 0 }
            at += instruction.length
        }
        return 0
    }

    /// The target of a function that only passes its arguments on: after nothing but
    /// `endbr64`, pushes and `sub $n,%rsp` (none touches an argument register), its first
    /// instruction calls or jumps to a relative target, and after a call it only returns (within
    /// a few instructions, with no other call or jump: the callee did all the work). That target
    /// gets the function's arguments as they came.
    public static func forwardedCallee(_ code: [UInt8]) -> Int? {
        var at = hasEndbr64(code) ? 4 : 0
        for _ in 0..<8 {
            guard at < code.count else { return nil }
            if code[at] == 0xE9 { return relativeTarget(code, at: at) }
            if code[at] == 0xE8 { return returnsAfter(code, at: at + 5) ? relativeTarget(code, at: at) : nil }
            guard isPush(code, at: at) || isStackReservation(code, at: at),
                  let instruction = X86Instruction.decode(code, at: at)
            else { return nil }
            at += instruction.length
        }
        return nil
    }

    /// Does the code from `start` reach a RET within 12 instructions, with no call or jump before?
    private static func returnsAfter(_ code: [UInt8], at start: Int) -> Bool {
        var at = start
        for _ in 0..<12 {
            guard at < code.count, let instruction = X86Instruction.decode(code, at: at) else { return false }
            if instruction.isReturn { return true }
            // a call or jump, relative or indirect (FF, after any REX prefix; its other forms too)
            let opcode = (0x40...0x4F).contains(code[at]) ? code[at + 1] : code[at]
            if [0xE8, 0xE9, 0xEB, 0xFF].contains(opcode) || isConditionalJump(code, at: at) { return false }
            at += instruction.length
        }
        return false
    }

    /// The target of the first call on the function's way in (or of a jump, with `jumps`: a tail
    /// call), following its conditional jumps' fall-through; nil when another jump, a return or
    /// code this decoder does not know comes first.
    public static func firstCall(_ code: [UInt8], jumps: Bool = false, within instructions: Int = 32) -> Int? {
        var at = 0
        for _ in 0..<instructions {
            guard at < code.count, let instruction = X86Instruction.decode(code, at: at),
                  !instruction.isReturn else { return nil }
            if code[at] == 0xE8 || (jumps && code[at] == 0xE9) { return relativeTarget(code, at: at) }
            if code[at] == 0xE9 || code[at] == 0xEB || code[at] == 0xFF { return nil }
            at += instruction.length
        }
        return nil
    }

    private static func hasEndbr64(_ code: [UInt8]) -> Bool {
        code.starts(with: [0xF3, 0x0F, 0x1E, 0xFA])
    }

    private static func isPush(_ code: [UInt8], at: Int) -> Bool {
        isEmulated(code, at: at) && (code[at] == 0x41 || (0x50...0x57).contains(code[at]))
    }

    /// `sub $imm8,%rsp` or `sub $imm32,%rsp`.
    private static func isStackReservation(_ code: [UInt8], at: Int) -> Bool {
        at + 2 < code.count && code[at] == 0x48 && (code[at + 1] == 0x83 || code[at + 1] == 0x81) && code[at + 2] == 0xEC
    }

    private static func isConditionalJump(_ code: [UInt8], at: Int) -> Bool {
        (0x70...0x7F).contains(code[at]) || (code[at] == 0x0F && at + 1 < code.count && (0x80...0x8F).contains(code[at + 1]))
    }

    /// `cmp 0x10(%r14),%rsp` or `…,%r12` (REX 49 or 4D, 3B, ModRM 66, disp8), or
    /// `lea -n(%rsp),%r12` (4C 8D 64 24 disp8 or 4C 8D A4 24 disp32).
    private static func isStackCheckStep(_ code: [UInt8], at: Int) -> Bool {
        guard at + 3 < code.count else { return false }
        let (rex, opcode, modrm) = (code[at], code[at + 1], code[at + 2])
        if (rex == 0x49 || rex == 0x4D) && opcode == 0x3B && modrm == 0x66 { return true }
        return rex == 0x4C && opcode == 0x8D && (modrm == 0x64 || modrm == 0xA4) && code[at + 3] == 0x24
    }

    /// Where a call or jmp with a 32-bit relative target at `at` goes.
    private static func relativeTarget(_ code: [UInt8], at: Int) -> Int? {
        guard at + 5 <= code.count else { return nil }
        let bytes = code[(at + 1)..<(at + 5)]
        let displacement = Int32(bitPattern: bytes.reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
        return at + 5 + Int(displacement)
    }
}
