// SQLLexer against PostgreSQL's own scanner: the same literals, parameters and comments.

@testable import QueryText
import SQLLexing
import Testing

@Suite struct SQLLexerTests {
    static let texts: [String] = corpus.map(\.sql) + [
        "SELECT 'one''two', 'con'\n'tinued', $t$a'b$t$, E'x\\'y', B'10', X'ff', N'n', -3.5, .5e-3, 1e5",
        "SELECT 1 -- c\n/* b */ , $1",
        "SELECT a.b, c::text, d[1:2], $10 FROM x.y WHERE e ~* 'f' AND g @> '{}'",
        "SELECT 'a'\n-- between\n'b'",
        "SELECT $$$$, $a$$a$, $_x$y$_x$",
        "SELECT 1.5e+10, 2.e3, 3.",
    ]

    @Test(arguments: texts)
    func literalsMatchPostgres(_ sql: String) throws {
        var bytes = Array(sql.utf8)
        bytes.append(0)
        let count = bytes.count - 1
        guard let scanned = bytes.withUnsafeBufferPointer({ PostgresScanner.scan(UnsafeBufferPointer(rebasing: $0[..<count])) }) else {
            return // PostgreSQL's scanner refused it; the corpus checks those texts instead.
        }
        let tokens = ScratchBuffer<SQLToken>(capacity: 16)
        var lexer = SQLLexer()
        bytes.withUnsafeBufferPointer { lexer.tokenize(UnsafeBufferPointer(rebasing: $0[..<count]), into: tokens) }
        let lexed = (0..<tokens.count).map { tokens[$0] }
        let literals = lexed.filter(\.isLiteral).map { ($0.start, $0.end) }

        // Every literal PostgreSQL sees lies inside one the lexer sees …
        for literal in scanned.literals where literal.end > literal.start {
            #expect(literals.contains { $0.0 <= literal.start && literal.end <= $0.1 }, "\(sql): \(literal) not covered")
        }
        // … and the lexer sees no literal PostgreSQL does not (N'…' is a keyword and a string
        // there, U&'…' has an empty range there).
        for literal in literals {
            #expect(scanned.literals.contains { literal.0 <= $0.start && $0.start <= literal.1 }, "\(sql): extra literal \(literal)")
        }
        // Parameters and comments agree exactly (PostgreSQL also reports a `--` comment between the
        // parts of a continued string, which the lexer keeps inside the string).
        let others = lexed.filter { $0.kind == .parameter || $0.kind == .comment }.map { "\($0.start)-\($0.end)" }
        let scannedOthers = scanned.others.filter { other in !literals.contains { $0.0 <= other.start && other.end <= $0.1 } }
        #expect(others == scannedOthers.map { "\($0.start)-\($0.end)" }, "\(sql)")
    }

    @Test func unterminatedTokensAreMarked() {
        for sql in ["SELECT 'abc", "SELECT \"abc", "SELECT $q$abc", "SELECT /* abc", "SELECT E'abc\\'", "SELECT U&'x", "SELECT B'01"] {
            let tokens = ScratchBuffer<SQLToken>(capacity: 16)
            var lexer = SQLLexer()
            var text = Array(sql.utf8)
            text.withUnsafeMutableBufferPointer { lexer.tokenize(UnsafeBufferPointer($0), into: tokens) }
            #expect(tokens.count == 2, "\(sql)")
            #expect(tokens[tokens.count - 1].kind == .unterminated, "\(sql)")
            #expect(tokens[tokens.count - 1].start == 7, "\(sql)")
        }
    }

    @Test func backslashesInPlainStringsAreNoticed() {
        let tokens = ScratchBuffer<SQLToken>(capacity: 16)
        var lexer = SQLLexer()
        var text = Array(#"SELECT 'a\', 'b'"#.utf8)
        text.withUnsafeMutableBufferPointer { lexer.tokenize(UnsafeBufferPointer($0), into: tokens) }
        #expect(lexer.sawBackslashInPlainString)
        #expect((0..<tokens.count).filter { tokens[$0].kind == .string }.count == 2)

        lexer.backslashEscapesInPlainStrings = true
        text.withUnsafeMutableBufferPointer { lexer.tokenize(UnsafeBufferPointer($0), into: tokens) }
        // Read with backslash escapes, 'a\', ' is one string and the quote after b opens an unterminated one.
        #expect(tokens[1].kind == .string && tokens[1].end == 14)
        #expect(tokens[tokens.count - 1].kind == .unterminated)
    }
}
