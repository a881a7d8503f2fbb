import CTuskBPF
import Testing

/// The lines `tusk check` and `tusk run` quote when the kernel refuses a program, read from
/// verifier logs as the kernels print them (excerpts of real logs: Debian 6.1, 6.18).
struct VerifierReasonTests {
    static func reason(_ log: String) -> String {
        var out = [CChar](repeating: 0, count: 1024)
        tusk_verifier_reason(log, &out, out.count)
        return String(cString: out)
    }

    /// Level 4 (statistics only): the error lines before the statistics.
    @Test func statisticsOnlyLogGivesTheErrorLines() {
        let log = """
            BPF program is too large. Processed 1000001 insn
            verification time 3666932 usec
            stack depth 0+48+16+216+16+0+64
            processed 1000001 insns (limit 1000000) max_states_per_insn 32 total_states 41230 peak_states 8012 mark_read 27

            """
        #expect(Self.reason(log) == "BPF program is too large. Processed 1000001 insn")
    }

    /// Level 1 on 6.1: the error, the instruction it is about, and that instruction's source line.
    @Test func instructionLogGivesTheInstructionAndItsSource() {
        let log = """
            1394: (bf) r7 = r2                    ; R2=mem(off=0,imm=0) R7_w=mem(off=0,imm=0)
            ; } else if (TUSK_READ_USER(&f->hdr[have], n, (const void *)(unsigned long)(c->buf + c->pos))) {
            1395: (bc) w2 = w6                    ; R2_w=scalar(umax=4294967295,var_off=(0x0; 0xffffffff))
            1396: (85) call bpf_probe_read_user#112
            R2 unbounded memory access, use 'var &= const' or 'if (var < const)'
            verification time 121761 usec
            stack depth 0+48+16+216+16+0+64+0+0+0+0+0+0+0
            processed 5014 insns (limit 1000000) max_states_per_insn 8 total_states 266 peak_states 261 mark_read 27

            """
        #expect(
            Self.reason(log)
                == "R2 unbounded memory access, use 'var &= const' or 'if (var < const)' — at instruction 1396: (85) call bpf_probe_read_user#112: "
                + "} else if (TUSK_READ_USER(&f->hdr[have], n, (const void *)(unsigned long)(c->buf + c->pos))) {")
    }

    /// Two error lines (what was accessed, then the rule), the register state after the
    /// instruction left out.
    @Test func severalErrorLinesKeepTheirOrder() {
        let log = """
            ; dst[at] = src[at];
            4427: (0f) r5 += r2                   ; R2=scalar(umax=504,var_off=(0x0; 0x1f8)) R5_w=mem(off=24,umax=759)
            4428: (71) r5 = *(u8 *)(r5 +0)
            invalid access to memory, mem_size=568 off=783 size=1
            R5 max value is outside of the allowed memory range
            verification time 233700 usec
            processed 11599 insns (limit 1000000) max_states_per_insn 8 total_states 610 peak_states 598 mark_read 41

            """
        #expect(
            Self.reason(log)
                == "invalid access to memory, mem_size=568 off=783 size=1 / R5 max value is outside of the allowed memory range"
                + " — at instruction 4428: (71) r5 = *(u8 *)(r5 +0): dst[at] = src[at];")
    }

    /// A log without statistics (cut short) still yields its last error lines.
    @Test func aLogWithoutStatisticsEndsWhereItEnds() {
        #expect(Self.reason("0: (b7) r0 = 0\n1: (95) exit\nR0 !read_ok\n") == "R0 !read_ok — at instruction 1: (95) exit")
        #expect(Self.reason("") == "")
    }
}
