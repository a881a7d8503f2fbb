import CTuskProtocol

/// Drives the kernel's framer (bpf/protocol.h) as the programs do — a cursor over each buffer,
/// steps until its end — and records what it frames.
struct KernelFramer {
    struct Message: Equatable, CustomStringConvertible {
        var type: UInt8
        /// A startup packet's code (protocol version or request); 0 for typed messages.
        var code: UInt32 = 0
        var body: [UInt8] = []

        var description: String { "\(type == 0 ? "startup" : String(UnicodeScalar(type)))(\(body.count))" }
    }

    private var framer = tusk_framer()
    private var current: Message?
    private(set) var messages: [Message] = []
    /// Answers to SSLRequest/GSSENCRequest.
    private(set) var answers: [UInt8] = []
    /// The bytes stopped parsing as PostgreSQL (or the connection went encrypted).
    private(set) var stopped = false

    init(mode: tusk_frame_mode = TUSK_MODE_TYPED) {
        framer.mode = UInt8(mode.rawValue)
    }

    /// The framer expects the one-byte answer to an SSLRequest next (pairing sets this on the
    /// backend stream when the frontend asks).
    mutating func expectSecureAnswer() {
        framer.mode = UInt8(TUSK_MODE_SSL_ANSWER.rawValue)
    }

    /// Feeds one buffer, as one syscall's bytes.
    mutating func feed(_ buffer: [UInt8]) {
        guard !buffer.isEmpty, !stopped else { return }
        var cursor = tusk_cursor()
        buffer.withUnsafeBytes { bytes in
            tusk_cursor_start(&cursor, UInt64(UInt(bitPattern: bytes.baseAddress)), UInt32(bytes.count))
            while !stopped {
                var frame = tusk_frame()
                switch UInt32(tusk_frame_step(&framer, &cursor, &frame)) {
                case TUSK_FRAME_DONE.rawValue:
                    return
                case TUSK_FRAME_MORE.rawValue:
                    continue
                case TUSK_FRAME_BEGIN.rawValue:
                    current = Message(type: frame.type, code: frame.code)
                    // what pairing does on a StartupMessage: typed messages follow
                    if frame.type == 0 && UInt32(tusk_startup_kind(frame.code)) == TUSK_STARTUP_SESSION.rawValue {
                        framer.mode = UInt8(TUSK_MODE_TYPED.rawValue)
                    }
                    if frame.body == 0 { finish() }
                case TUSK_FRAME_BODY.rawValue:
                    let start = Int(cursor.pos)
                    current?.body += bytes[start..<start + Int(frame.n)]
                    if tusk_frame_consume(&framer, &cursor, frame.n) != 0 { finish() }
                case TUSK_FRAME_ANSWER.rawValue:
                    answers.append(frame.type)
                    if frame.type != UInt8(ascii: "N") { stopped = true }
                default:
                    stopped = true
                }
            }
        }
    }

    /// Feeds `bytes` in buffers of `size` bytes (the last may be shorter).
    mutating func feed(_ bytes: [UInt8], inBuffersOf size: Int) {
        var start = 0
        while start < bytes.count {
            feed(Array(bytes[start..<min(start + size, bytes.count)]))
            start += size
        }
    }

    private mutating func finish() {
        if let current { messages.append(current) }
        current = nil
    }
}
