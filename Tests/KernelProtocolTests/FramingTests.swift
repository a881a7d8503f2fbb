import CTuskProtocol
import Testing
import TestSupport

/// The kernel's framing of a byte stream into messages, run on the host over byte fixtures.
struct FramingTests {
    typealias W = WireFixtures

    /// A client's side of a session: startup, a simple query, an extended round, a long query.
    static let frontend: [UInt8] = W.startup() + W.query("SELECT 1") + W.parse("SELECT $1::int", statement: "s1")
        + W.bind(statement: "s1", parameters: ["42"]) + W.describePortal() + W.execute() + W.sync
        + W.query("SELECT '" + String(repeating: "x", count: 700) + "'") + W.terminate

    static func expected(_ bytes: [UInt8], startup: Bool) -> [KernelFramer.Message] {
        var messages: [KernelFramer.Message] = []
        var at = 0
        if startup {
            let length = Int(W.be32(bytes, 0))
            messages.append(.init(type: 0, code: W.be32(bytes, 4), body: Array(bytes[8..<length])))
            at = length
        }
        while at < bytes.count {
            let length = Int(W.be32(bytes, at + 1))
            messages.append(.init(type: bytes[at], body: Array(bytes[at + 5..<at + 1 + length])))
            at += 1 + length
        }
        return messages
    }

    /// Whatever the buffer size — headers and bodies split anywhere, beyond the window too — the
    /// same messages come out.
    @Test(arguments: [1, 2, 3, 4, 5, 7, 8, 9, 13, 64, 255, 256, 257, 511, 4096])
    func frontendMessagesSplitAnywhereFrameTheSame(size: Int) {
        var framer = KernelFramer(mode: TUSK_MODE_UNTYPED)
        framer.feed(Self.frontend, inBuffersOf: size)
        #expect(!framer.stopped)
        #expect(framer.messages == Self.expected(Self.frontend, startup: true))
        #expect(framer.messages.first?.code == 196_608)
    }

    @Test(arguments: [1, 5, 6, 100, 300, 5000])
    func backendMessagesSplitAnywhereFrameTheSame(size: Int) {
        let backend = W.startupAnswer() + W.selectAnswer(rows: 40) + W.ready() + W.errorResponse("42P01", "missing")
            + W.noticeResponse("01000", "careful") + W.ready("E")
        var framer = KernelFramer()
        framer.feed(backend, inBuffersOf: size)
        #expect(!framer.stopped)
        #expect(framer.messages == Self.expected(backend, startup: false))
    }

    /// A buffer longer than the window: headers past its first 256 bytes are read from the buffer.
    @Test func headersBeyondTheWindowAreReadFromTheBuffer() {
        let bytes = W.query(String(repeating: "y", count: 250)) + W.sync + W.query("SELECT 2") + W.sync
        #expect(bytes.count > Int(TUSK_WINDOW))
        var framer = KernelFramer()
        framer.feed(bytes)
        #expect(framer.messages == Self.expected(bytes, startup: false))
    }

    /// SSLRequest answered 'N' continues in plaintext; 'S' stops (the bytes that follow are TLS).
    @Test func theAnswerToAnSSLRequestDecidesWhetherFramingGoesOn() {
        var plaintext = KernelFramer()
        plaintext.expectSecureAnswer()
        plaintext.feed([UInt8(ascii: "N")] + W.startupAnswer())
        #expect(plaintext.answers == [UInt8(ascii: "N")])
        #expect(plaintext.messages.map(\.type) == Array("RSKZ".utf8))

        var encrypted = KernelFramer()
        encrypted.expectSecureAnswer()
        encrypted.feed([UInt8(ascii: "S"), 0x16, 0x03, 0x01])
        #expect(encrypted.answers == [UInt8(ascii: "S")])
        #expect(encrypted.stopped)
        #expect(encrypted.messages.isEmpty)
    }

    /// An SSLRequest is a startup packet of its own; the StartupMessage after it is untyped too.
    @Test func anSSLRequestIsFollowedByAnUntypedStartup() {
        var framer = KernelFramer(mode: TUSK_MODE_UNTYPED)
        framer.feed(W.sslRequest)
        #expect(framer.messages.map(\.code) == [80_877_103])
        #expect(UInt32(tusk_startup_kind(80_877_103)) == TUSK_STARTUP_SECURE.rawValue)
        framer.feed(W.startup() + W.query("SELECT 1"))
        #expect(framer.messages.map(\.type) == [0, 0, UInt8(ascii: "Q")])
        #expect(!framer.stopped)
    }

    static let broken: [(String, [UInt8], tusk_frame_mode)] = [
        ("type byte 0", [0] + W.int32(4), TUSK_MODE_TYPED),
        ("length below 4", [UInt8(ascii: "Q")] + W.int32(3), TUSK_MODE_TYPED),
        ("length above 1 GiB", [UInt8(ascii: "Q")] + W.int32(1 << 30 + 5), TUSK_MODE_TYPED),
        ("startup below 8 bytes", W.int32(7) + W.int32(196_608), TUSK_MODE_UNTYPED),
        ("startup above 10000 bytes", W.int32(10_001) + W.int32(196_608), TUSK_MODE_UNTYPED),
        ("HTTP", Array("GET / HTTP/1.1\r\n\r\n".utf8), TUSK_MODE_UNTYPED),
    ]

    @Test(arguments: broken.indices)
    func bytesThatAreNotPostgreSQLStopTheFraming(index: Int) {
        let (name, bytes, mode) = Self.broken[index]
        var whole = KernelFramer(mode: mode)
        whole.feed(bytes)
        #expect(whole.stopped, "\(name)")
        var split = KernelFramer(mode: mode)
        split.feed(bytes, inBuffersOf: 1)
        #expect(split.stopped, "\(name), a byte at a time")
    }
}

extension WireFixtures {
    static func be32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }
}
