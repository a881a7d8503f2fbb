import Capture
import Testing

/// Instruction lengths from known encodings (checked with objdump), a RET hidden inside other
/// instructions, and encodings the decoder refuses rather than guesses.
struct X86InstructionTests {
    @Test(arguments: [
        ([0xC3], 1, true),                                             // ret
        ([0xC2, 0x08, 0x00], 3, true),                                 // ret $0x8
        ([0x48, 0x8B, 0x44, 0x24, 0x08], 5, false),                    // mov 0x8(%rsp),%rax
        ([0x48, 0xC7, 0xC0, 0xC3, 0x00, 0x00, 0x00], 7, false),        // mov $0xc3,%rax
        ([0xE8, 0xC3, 0x00, 0x00, 0x00], 5, false),                    // call rel32
        ([0x48, 0xB8, 1, 2, 3, 4, 5, 6, 7, 0xC3], 10, false),          // movabs $imm64,%rax
        ([0xB8, 0xC3, 0, 0, 0], 5, false),                             // mov $0xc3,%eax
        ([0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00], 6, false),              // nopw 0x0(%rax,%rax,1)
        ([0x0F, 0x1F, 0x80, 0, 0, 0, 0], 7, false),                    // nopl 0x0(%rax)
        ([0x64, 0x48, 0x8B, 0x0C, 0x25, 0xF8, 0xFF, 0xFF, 0xFF], 9, false), // mov %fs:0xfffffffffffffff8,%rcx
        ([0x49, 0x3B, 0x66, 0x10], 4, false),                          // cmp 0x10(%r14),%rsp
        ([0x0F, 0x86, 0xC3, 0x00, 0x00, 0x00], 6, false),              // jbe rel32
        ([0x76, 0xC3], 2, false),                                      // jbe rel8
        ([0x48, 0x8D, 0x05, 0xC3, 0, 0, 0], 7, false),                 // lea rip-relative
        ([0x42, 0x8B, 0x04, 0x95, 0, 0, 0, 0], 8, false),              // mov 0x0(,%r10,4),%eax
        ([0x48, 0x89, 0x44, 0x24, 0x18], 5, false),                    // mov %rax,0x18(%rsp)
        ([0x48, 0x81, 0xEC, 0x88, 0, 0, 0], 7, false),                 // sub $0x88,%rsp
        ([0x48, 0x83, 0xC4, 0x78], 4, false),                          // add $0x78,%rsp
        ([0x66, 0xC7, 0x00, 0x34, 0x12], 5, false),                    // movw $0x1234,(%rax)
        ([0xF6, 0xC1, 0x01], 3, false),                                // test $0x1,%cl
        ([0xA8, 0x80], 2, false),                                      // test $0x80,%al
        ([0xF7, 0xC1, 0, 0, 0, 1], 6, false),                          // test $0x1000000,%ecx
        ([0xF7, 0xD8], 2, false),                                      // neg %eax
        ([0x48, 0xF7, 0xE1], 3, false),                                // mul %rcx
        ([0xF3, 0x0F, 0xB8, 0xC1], 4, false),                          // popcnt %ecx,%eax
        ([0x0F, 0xBA, 0xE0, 0x03], 4, false),                          // bt $0x3,%eax
        ([0x66, 0x0F, 0x3A, 0x0B, 0xC1, 0x04], 6, false),              // roundsd $0x4,%xmm1,%xmm0
        ([0x66, 0x0F, 0x38, 0x00, 0xC1], 5, false),                    // pshufb %xmm1,%xmm0
        ([0x44, 0x0F, 0x11, 0x7C, 0x24, 0x10], 6, false),              // movups %xmm15,0x10(%rsp)
        ([0xF0, 0x48, 0x0F, 0xB1, 0x0A], 5, false),                    // lock cmpxchg %rcx,(%rdx)
        ([0xC5, 0xFD, 0x6F, 0x06], 4, false),                          // vmovdqa (%rsi),%ymm0
        ([0xC4, 0xE3, 0x7D, 0x38, 0xC1, 0x01], 6, false),              // vinserti128 $0x1,%xmm1,%ymm0,%ymm0
        ([0xC5, 0xF8, 0x77], 3, false),                                // vzeroupper
        ([0x62, 0xF1, 0x7C, 0x48, 0x10, 0x00], 6, false),              // vmovups (%rax),%zmm0
        ([0x62, 0xF1, 0xFE, 0x48, 0x7F, 0x48, 0x01], 7, false),        // vmovdqu64 %zmm1,0x40(%rax)
        ([0x62, 0xF3, 0x75, 0x48, 0x25, 0xC2, 0x96], 7, false),        // vpternlogd $0x96,%zmm2,%zmm1,%zmm0
        ([0x62, 0xF1, 0x7D, 0x48, 0x72, 0xE0, 0x05], 7, false),        // vpsrad $0x5,%zmm0,%zmm0
        ([0xF3, 0x0F, 0x1E, 0xFA], 4, false),                          // endbr64
        ([0x0F, 0x05], 2, false),                                      // syscall
        ([0xCC], 1, false),                                            // int3
        ([0xC8, 0x10, 0x00, 0x01], 4, false),                          // enter $0x10,$0x1
        ([0x48, 0xA1, 1, 2, 3, 4, 5, 6, 7, 8], 10, false),             // movabs 0x0807060504030201,%rax
    ] as [([UInt8], Int, Bool)])
    func decodes(bytes: [UInt8], length: Int, isReturn: Bool) {
        #expect(X86Instruction.decode(bytes, at: 0) == X86Instruction(length: length, isReturn: isReturn))
    }

    @Test(arguments: [
        [0x48, 0x8B],             // truncated ModRM operand
        [0xE8, 0x00, 0x00],       // truncated rel32
        [0x06],                   // push %es: invalid in 64-bit mode
        [0x62, 0xF5, 0x7C, 0x48, 0x58, 0xC1], // EVEX on map 5 (FP16): vaddph %zmm1,%zmm0,%zmm0
        [0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x90], // 16 bytes
    ] as [[UInt8]])
    func refuses(bytes: [UInt8]) {
        #expect(X86Instruction.decode(bytes, at: 0) == nil)
    }

    /// C3 bytes inside a mov's immediate and a call's offset are not RETs; the real one is.
    @Test func returnsAreInstructionsNotBytes() {
        let code: [UInt8] = [
            0x48, 0xC7, 0xC0, 0xC3, 0x00, 0x00, 0x00, // mov $0xc3,%rax
            0xE8, 0xC3, 0xC3, 0x00, 0x00,             // call
            0xC3,                                     // ret
            0x48, 0x83, 0xC4, 0x78,                   // add $0x78,%rsp
            0xC3,                                     // ret
        ]
        #expect(X86Instruction.returns(in: code) == [12, 17])
        #expect(X86Instruction.returns(in: Array(code.prefix(10))) == nil)
    }
}
