// Arbitrary bytes in, sane analysis out: no crash, no over-long text, no literal token in the output.

@testable import QueryText
import SQLLexing
import Testing

@Suite struct RobustnessTests {
    /// Bytes that switch the lexer between states, plus NUL, newlines and broken UTF-8.
    static let alphabet: [UInt8] = Array("'\"$-/*\\eEuUbBxXnN&;(),.:1234567890 \n\tselectFROMwhereIN".utf8) + [0, 0xC3, 0xA9, 0xFF]

    /// Literal tokens the lexer finds in `text`: sanitized output must have none.
    static func literals(in text: String) -> [String] {
        let tokens = ScratchBuffer<SQLToken>(capacity: 16)
        var lexer = SQLLexer()
        var copy = text
        return copy.withUTF8 { bytes in
            lexer.tokenize(bytes, into: tokens)
            return (0..<tokens.count).filter { tokens[$0].isLiteral }.map {
                String(decoding: UnsafeBufferPointer(rebasing: bytes[tokens[$0].start..<tokens[$0].end]), as: UTF8.self)
            }
        }
    }

    @Test(arguments: [false, true])
    func randomBytes(captureTruncated: Bool) {
        var random = SeededGenerator(state: captureTruncated ? 3 : 5)
        var analyzer = QueryAnalyzer(maxLength: 64)
        for _ in 0..<5_000 {
            let length = Int(random.next() % 80)
            let bytes = (0..<length).map { _ in Self.alphabet[Int(random.next() % UInt64(Self.alphabet.count))] }
            let analysis = analyzer.analyze(bytes, captureTruncated: captureTruncated)
            #expect(analysis.batchSize >= 1)
            let text = analysis.text ?? ""
            #expect(text.utf8.count <= 64)
            #expect(Self.literals(in: text).isEmpty, "\(bytes) → \(text)")
        }
    }

    @Test func invalidUTF8StillFitsTheLimit() {
        var analyzer = QueryAnalyzer(mode: .raw, maxLength: 12)
        let analysis = analyzer.analyze([0xFF, 0xFF, 0xFF, 0x20, 0xFF, 0xFF, 0xFF, 0x20, 0xFF, 0xFF], captureTruncated: false)
        #expect(analysis.text == "\u{FFFD}\u{FFFD}\u{FFFD}")
        #expect(analysis.truncated)
    }

    @Test func aNulByteEndsWhatPostgresReadsButNotWhatIsSanitized() {
        var analyzer = QueryAnalyzer()
        let analysis = analyzer.analyze(Array("SELECT 1 FROM t\0 WHERE x = 'secret'".utf8), captureTruncated: false)
        #expect(analysis.text == "SELECT ? FROM t\0 WHERE x = ?")
    }
}
