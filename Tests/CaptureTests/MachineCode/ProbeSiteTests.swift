import Capture
import Testing

/// Which instructions the kernel runs in place under a uprobe, and where the probes go in the
/// shapes of code OpenSSL and Go give them.
struct ProbeSiteTests {
    @Test(arguments: [
        ([0x53], true),                                  // push %rbx
        ([0x41, 0x56], true),                            // push %r14
        ([0xE8, 0, 0, 0, 0], true),                      // call rel32
        ([0xE9, 0, 0, 0, 0], true),                      // jmp rel32
        ([0xEB, 0], true),                               // jmp rel8
        ([0x76, 0x10], true),                            // jbe rel8
        ([0x0F, 0x86, 0, 0, 0, 0], true),                // jbe rel32
        ([0x90], true),                                  // nop
        ([0x0F, 0x1F, 0x44, 0x00, 0x00], true),          // nopl 0x0(%rax,%rax,1)
        ([0x48, 0x83, 0xEC, 0x18], false),               // sub $0x18,%rsp
        ([0x48, 0x89, 0xE5], false),                     // mov %rsp,%rbp
        ([0xC3], false),                                 // ret
        ([0xF3, 0x0F, 0x1E, 0xFA], false),               // endbr64
        ([0x49, 0x3B, 0x66, 0x10], false),               // cmp 0x10(%r14),%rsp
        ([0x41], false),                                 // a REX prefix cut off
    ] as [([UInt8], Bool)])
    func emulatedInstructions(code: [UInt8], emulated: Bool) {
        #expect(ProbeSite.isEmulated(code, at: 0) == emulated)
    }

    @Test func anEntryProbeSkipsEndbr64OnlyForAnInstructionRunInPlace() {
        let endbrPush: [UInt8] = [0xF3, 0x0F, 0x1E, 0xFA, 0x41, 0x57, 0x48, 0x83, 0xEC, 0x18]
        let endbrSub: [UInt8] = [0xF3, 0x0F, 0x1E, 0xFA, 0x48, 0x83, 0xEC, 0x18]
        #expect(ProbeSite.entry(endbrPush) == 4)
        #expect(ProbeSite.entry(endbrSub) == 0)
        #expect(ProbeSite.entry([0x55, 0x48, 0x89, 0xE5]) == 0)
        #expect(ProbeSite.entry([0x48, 0x83, 0xEC, 0x18]) == 0)
    }

    /// crypto/tls.(*Conn).Read and .Write as Go 1.19 to 1.27 compile them.
    @Test func aGoEntryProbeSitsOnTheStackChecksJump() {
        let smallFrame: [UInt8] = [0x49, 0x3B, 0x66, 0x10, 0x0F, 0x86, 0xC2, 0x03, 0x00, 0x00, 0x48, 0x83, 0xEC, 0x68]
        let largeFrame: [UInt8] = [0x4C, 0x8D, 0x64, 0x24, 0x98, 0x4D, 0x3B, 0x66, 0x10, 0x0F, 0x86, 0x64, 0x07, 0x00, 0x00]
        let shortJump: [UInt8] = [0x49, 0x3B, 0x66, 0x10, 0x76, 0x40, 0x55]
        #expect(ProbeSite.goEntry(smallFrame) == 4)
        #expect(ProbeSite.goEntry(largeFrame) == 9)
        #expect(ProbeSite.goEntry(shortJump) == 4)
        // no stack check (a leaf), or something else first: the first instruction
        #expect(ProbeSite.goEntry([0x48, 0x83, 0xEC, 0x18, 0x76, 0x10]) == 0)
        #expect(ProbeSite.goEntry([0x49, 0x3B, 0x66, 0x10, 0x48, 0x89, 0xC3, 0x76, 0x10]) == 0)
        // a push first is run in place, but no stack check: still the first instruction
        #expect(ProbeSite.goEntry([0x55, 0x48, 0x89, 0xE5]) == 0)
    }

    /// OpenSSL 3.0's SSL_read_ex: `sub $0x8,%rsp; call ssl_read_internal`.
    @Test func aFunctionThatPassesItsArgumentsOnNamesItsCallee() {
        // then: xor %edx,%edx; test %eax,%eax; cmovs %edx,%eax; add $0x8,%rsp; ret
        let readEx: [UInt8] = [0x48, 0x83, 0xEC, 0x08, 0xE8, 0xC7, 0xFD, 0xFF, 0xFF,
                               0x31, 0xD2, 0x85, 0xC0, 0x0F, 0x48, 0xC2, 0x48, 0x83, 0xC4, 0x08, 0xC3]
        #expect(ProbeSite.forwardedCallee(readEx) == 9 - 0x239)
        // a first call that leaves work to do (another call, a branch) is not the one doing it all
        let checksFirst: [UInt8] = [0x48, 0x83, 0xEC, 0x08, 0xE8, 0xC7, 0xFD, 0xFF, 0xFF, 0x85, 0xC0, 0x74, 0x05,
                                    0xE8, 0x00, 0x01, 0x00, 0x00, 0x48, 0x83, 0xC4, 0x08, 0xC3]
        #expect(ProbeSite.forwardedCallee(checksFirst) == nil)
        #expect(ProbeSite.forwardedCallee(Array(readEx.prefix(11))) == nil)
        let tailCall: [UInt8] = [0xF3, 0x0F, 0x1E, 0xFA, 0xE9, 0x10, 0x00, 0x00, 0x00]
        #expect(ProbeSite.forwardedCallee(tailCall) == 9 + 0x10)
        // OpenSSL 3.3's SSL_write_ex changes its arguments (flags, count's address) first
        let writeEx: [UInt8] = [0x49, 0x89, 0xC8, 0x31, 0xC9, 0xE9, 0xD6, 0xFF, 0xFF, 0xFF]
        #expect(ProbeSite.forwardedCallee(writeEx) == nil)
        #expect(ProbeSite.firstCall(writeEx, jumps: true) == 10 - 0x2A)
        #expect(ProbeSite.firstCall(writeEx) == nil)
    }

    /// OpenSSL 3.0's SSL_read: the call after the stack protector and the `js` to the error path.
    @Test func theFirstCallFollowsConditionalJumpsFallThrough() {
        let read: [UInt8] = [
            0x48, 0x83, 0xEC, 0x18,                          // sub $0x18,%rsp
            0x64, 0x48, 0x8B, 0x04, 0x25, 0x28, 0, 0, 0,     // mov %fs:0x28,%rax
            0x48, 0x89, 0x44, 0x24, 0x08,                    // mov %rax,0x8(%rsp)
            0x31, 0xC0,                                      // xor %eax,%eax
            0x85, 0xD2,                                      // test %edx,%edx
            0x78, 0x2F,                                      // js
            0x48, 0x89, 0xE1,                                // mov %rsp,%rcx
            0x48, 0x63, 0xD2,                                // movslq %edx,%rdx
            0xE8, 0x3D, 0xFE, 0xFF, 0xFF,                    // call
            0xC3,
        ]
        #expect(ProbeSite.firstCall(read) == 35 - 0x1C3)
        #expect(ProbeSite.firstCall([0x31, 0xC0, 0xC3, 0xE8, 0, 0, 0, 0]) == nil)
        #expect(ProbeSite.firstCall([0xEB, 0x00, 0xE8, 0, 0, 0, 0]) == nil)
    }
}
