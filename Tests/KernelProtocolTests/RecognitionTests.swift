import CTuskProtocol
import Testing
import TestSupport

/// How the kernel recognises a PostgreSQL connection from the first bytes sent on a socket.
struct RecognitionTests {
    typealias W = WireFixtures

    static func classify(_ bytes: [UInt8]) -> tusk_first_bytes {
        bytes.withUnsafeBytes { raw in
            tusk_first_bytes(UInt32(tusk_classify(UInt64(UInt(bitPattern: raw.baseAddress)), UInt32(raw.count))))
        }
    }

    static let cases: [(String, [UInt8], tusk_first_bytes)] = [
        ("StartupMessage", W.startup(), TUSK_FIRST_STARTUP),
        ("the first 8 bytes of a StartupMessage", Array(W.startup().prefix(8)), TUSK_FIRST_STARTUP),
        ("SSLRequest", W.sslRequest, TUSK_FIRST_STARTUP),
        ("GSSENCRequest", W.int32(8) + W.int32(80_877_104), TUSK_FIRST_STARTUP),
        ("CancelRequest", W.int32(16) + W.int32(80_877_102) + W.int32(4242) + W.int32(1), TUSK_FIRST_STARTUP),
        ("a Query (a connection opened before Tusk)", W.query("SELECT 1"), TUSK_FIRST_FRONTEND),
        ("an extended round ending in Sync", W.parse("SELECT 1") + W.bind() + W.describePortal() + W.execute() + W.sync,
         TUSK_FIRST_FRONTEND),
        ("Close of a statement, then Sync", W.closeStatement("s1") + W.sync, TUSK_FIRST_FRONTEND),
        ("Terminate", W.terminate, TUSK_FIRST_FRONTEND),
        ("an extended round without its Sync", W.parse("SELECT 1") + W.bind(), TUSK_FIRST_OTHER),
        ("a Query cut short", Array(W.query("SELECT 1").dropLast()), TUSK_FIRST_OTHER),
        ("a Query with bytes after it", W.query("SELECT 1") + [0x41], TUSK_FIRST_OTHER),
        ("a backend's DataRow ('D' without S or P)", W.dataRow(["1"]) + W.sync, TUSK_FIRST_OTHER),
        ("a backend's lone ErrorResponse", W.errorResponse("42P01", "missing"), TUSK_FIRST_OTHER),
        ("HTTP", Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), TUSK_FIRST_OTHER),
        ("a TLS record cut short", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03], TUSK_FIRST_OTHER),
        ("a ClientHello offering postgresql (direct TLS)", W.clientHello(alpn: ["postgresql"]), TUSK_FIRST_DIRECT_TLS),
        ("... with no session id", W.clientHello(alpn: ["postgresql"], sessionID: 0), TUSK_FIRST_DIRECT_TLS),
        ("a ClientHello for HTTP/2 (ALPN h2)", W.clientHello(alpn: ["h2", "postgresql"]), TUSK_FIRST_OTHER),
        ("a ClientHello without ALPN (HTTPS, another TLS service)", W.clientHello(alpn: nil), TUSK_FIRST_OTHER),
        ("a ClientHello offering postgresql, cut before its ALPN",
         Array(W.clientHello(alpn: ["postgresql"]).prefix(120)), TUSK_FIRST_OTHER),
        ("four bytes", [0, 0, 0, 8], TUSK_FIRST_OTHER),
        ("a startup packet of an unknown protocol", W.int32(8) + W.int32(0x0002_0000), TUSK_FIRST_OTHER),
    ]

    @Test(arguments: cases.indices)
    func firstBytesAreRecognisedByContent(index: Int) {
        let (name, bytes, expected) = Self.cases[index]
        #expect(Self.classify(bytes) == expected, "\(name)")
    }

    /// More than eight messages in the first write: only the first eight are looked at, so the
    /// guess is "not PostgreSQL" rather than a walk without end.
    @Test func atMostEightMessagesAreLookedAt() {
        let eight = (0..<7).flatMap { _ in W.query("SELECT 1") } + W.sync
        #expect(Self.classify(eight) == TUSK_FIRST_FRONTEND)
        #expect(Self.classify(W.query("SELECT 1") + eight) == TUSK_FIRST_OTHER)
    }
}
