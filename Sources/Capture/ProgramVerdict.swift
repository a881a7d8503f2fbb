import CTuskBPF
import Glibc

/// What the kernel's verifier said of one BPF program: whether it loaded, what it cost to
/// verify, and, for a rejection, the verifier's own reason.
public struct ProgramVerdict: Sendable, Equatable {
    /// The program's name, e.g. `exit_write`.
    public var program: String
    /// Where it attaches, e.g. `tracepoint/syscalls/sys_exit_write`.
    public var section: String
    /// 0 when it loaded, else the errno of the rejection.
    public var errno: Int32
    /// Instructions the verifier processed (its budget is 1,000,000); 0 when not reported.
    public var instructions: Int
    public var verificationMicroseconds: Int
    /// The lines of the verifier's log that state why it refused the program.
    public var reason: String

    public var loaded: Bool { errno == 0 }

    public init(program: String, section: String, errno: Int32, instructions: Int, verificationMicroseconds: Int, reason: String) {
        self.program = program
        self.section = section
        self.errno = errno
        self.instructions = instructions
        self.verificationMicroseconds = verificationMicroseconds
        self.reason = reason
    }

    init(_ raw: tusk_program_verdict) {
        var raw = raw
        program = Self.string(&raw.program)
        section = Self.string(&raw.section)
        errno = raw.error
        instructions = Int(raw.instructions)
        verificationMicroseconds = Int(raw.verification_usec)
        reason = Self.string(&raw.reason)
    }

    /// Loads every program on its own with `options` (the kernel only verifies them; nothing is
    /// attached) and returns each verdict, in the object's order.
    public static func verifyEach(options: CaptureOptions) throws(CaptureError) -> [ProgramVerdict] {
        var verdicts = [tusk_program_verdict](repeating: tusk_program_verdict(), count: 64)
        let count = options.withRawOptions { raw in
            verdicts.withUnsafeMutableBufferPointer { tusk_programs_verify(&raw, $0.baseAddress, UInt32($0.count)) }
        }
        guard count >= 0 else {
            throw CaptureError(step: "opening the BPF object", errno: -count, detail: String(cString: strerror(-count)))
        }
        return verdicts.prefix(Int(count)).map(ProgramVerdict.init)
    }

    /// The release of the running kernel, as `uname -r` prints it.
    public static var kernelRelease: String {
        var name = utsname()
        uname(&name)
        return withUnsafeBytes(of: name.release) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }

    private static func string<T>(_ field: inout T) -> String {
        withUnsafeBytes(of: &field) { String(decoding: $0.prefix(while: { $0 != 0 }), as: UTF8.self) }
    }
}
