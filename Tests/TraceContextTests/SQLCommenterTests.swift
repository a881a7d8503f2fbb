import Testing
@testable import TraceContext

/// sqlcommenter comments found in (and removed from) captured statement text.
struct SQLCommenterTests {
    static let traceParent = SQLCommentFixtures.traceParent

    @Test(arguments: SQLCommentFixtures.writers)
    func readsEachWritersFormat(writer: SQLCommentFixtures.Writer) throws {
        let comment = try #require(SQLCommenter.parse(writer.wire))
        #expect(comment.pairs.map { SQLCommentPairFixture($0.key, $0.value) } == writer.pairs)
        #expect(comment.traceParent == TraceParent(Self.traceParent))
        #expect(comment.traceParent?.traceID.high == 0x5bd6_6ef5_0953_69c7)
        #expect(comment.traceState?.value == writer.traceState)
        #expect(comment.removed(from: writer.wire) == writer.original)
        #expect(SQLCommenter.strip(writer.wire) == writer.original)
        #expect(SQLCommenter.strip(Array(writer.wire.utf8)) == Array(writer.original.utf8))
    }

    @Test func reportsTheCommentAndWhatToRemoveAsByteOffsets() throws {
        // "SELECT 1" is 8 bytes, the space is byte 8, "/*a='1'*/" bytes 9..<18, then ";".
        let comment = try #require(SQLCommenter.parse("SELECT 1 /*a='1'*/;"))
        #expect(comment.commentRange == 9..<18)
        #expect(comment.removalRange == 8..<18)
        #expect(comment["a"] == "1")
    }

    @Test func countsOffsetsInUTF8Bytes() throws {
        // "é" is two bytes: "SELECT 'é'" is 11 bytes.
        let text = "SELECT 'é' /*a='1'*/"
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment.commentRange == 12..<21)
        #expect(comment.removed(from: text) == "SELECT 'é'")
    }

    @Test func removesTheSpaceAfterAPrependedComment() throws {
        let comment = try #require(SQLCommenter.parse("/*a='1'*/ SELECT 1"))
        #expect(comment.commentRange == 0..<9)
        #expect(comment.removalRange == 0..<10)
    }

    @Test(arguments: [
        // A comment without spaces around it is replaced by one, as PostgreSQL reads it.
        ("SELECT/*a='1'*/1", "SELECT 1"),
        // Only a space counts as the writer's: a newline stays.
        ("SELECT 1\n/*a='1'*/", "SELECT 1\n"),
        // Only one space is the writer's; the application's own spaces stay.
        ("SELECT 1  /*a='1'*/", "SELECT 1 "),
        ("SELECT 1/*a='1'*/", "SELECT 1"),
        ("/*a='1'*/SELECT 1", "SELECT 1"),
        ("/*a='1'*/", ""),
    ])
    func removesTheCommentWithoutJoiningTokens(text: String, stripped: String) {
        #expect(SQLCommenter.strip(text) == stripped)
    }

    @Test(arguments: [
        ("/*route='%2Fusers%2F%7Bid%7D'*/", "route", "/users/{id}"),
        ("/*a='caf%C3%A9'*/", "a", "café"),
        ("/*a='100%25'*/", "a", "100%"),
        ("/*a='100%%25'*/", "a", "100%"),
        ("/*a='x%2bz'*/", "a", "x+z"),
        ("/*a='ann+lee'*/", "a", "ann lee"),
        ("/*a='50%zz'*/", "a", "50%zz"),
        ("/*a='trailing%'*/", "a", "trailing%"),
        ("/*route%20name='x'*/", "route name", "x"),
        ("/*a='it\\'s'*/", "a", "it's"),
        ("/*a='back\\\\slash'*/", "a", "back\\slash"),
        ("/*a='FOO%20\\'BAR'*/", "a", "FOO 'BAR"),
        ("/*a=''*/", "a", ""),
        ("/*n=-12.5*/", "n", "-12.5"),
        ("/* a='1' , b='2' */", "b", "2"),
    ])
    func decodesKeysAndValues(text: String, key: String, value: String) throws {
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment[key] == value)
    }

    @Test func theLastOfSeveralCommentsWins() throws {
        let text = "/*action='list'*/ SELECT 1 /*traceparent='\(Self.traceParent)'*/ /* done */"
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment.pairs == [SQLComment.Pair(key: "traceparent", value: Self.traceParent)])
        #expect(comment.commentRange == 27..<100)
    }

    @Test func aCommentInTheMiddleCounts() throws {
        let text = "SELECT /*a='1'*/ 1 FROM t"
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment["a"] == "1")
        #expect(comment.removed(from: text) == "SELECT 1 FROM t")
    }

    @Test(arguments: [
        "SELECT '/*a=''1''*/'",
        "SELECT 'x /*a=''1''*/ y' FROM t",
        "SELECT E'\\'/*a=\\'1\\'*/'",
        // In an escape string \' is a quote, so the string runs to the quote after `a=`.
        "SELECT E'\\' /*a='1'*/'",
        "SELECT e'it''s /*a=''1''*/'",
        "SELECT $$ /*a='1'*/ $$",
        "SELECT $body$ /*a='1'*/ $$ still quoted $body$",
        "SELECT \"/*a='1'*/\" FROM t",
        "SELECT \"x\"\"/*a='1'*/\" FROM t",
        "SELECT 1 -- /*a='1'*/",
        "SELECT U&'/*a=''1''*/'",
        "SELECT B'/*a=''1''*/'",
        // As PostgreSQL reads them: a string continued on the next line keeps E's escapes, and a
        // dollar quote may open right after a parameter.
        "SELECT E'a'\n'\\' /*a='1'*/'",
        "SELECT $1$a$ /*a='1'*/ $a$",
    ])
    func ignoresCommentLookalikesInsideLiteralsAndIdentifiers(text: String) {
        #expect(SQLCommenter.parse(text) == nil)
    }

    @Test(arguments: [
        // In a standard string a backslash is literal, so the string ends at the second quote.
        ("SELECT 'C:\\' /*a='1'*/", "1"),
        // The quote after a line comment's newline is real.
        ("SELECT 1 -- note: it's\n/*a='1'*/", "1"),
        // `$1` is a parameter, not a dollar quote.
        ("SELECT $1 /*a='1'*/", "1"),
        // `a$b$` is one identifier, not the start of a `$b$` quote.
        ("SELECT a$b$ FROM t /*a='1'*/", "1"),
        // `some` ends an identifier, so what follows is a standard string, not an E string.
        ("SELECT some'\\' /*a='1'*/", "1"),
        // A dollar quote that closes leaves the rest of the text as SQL.
        ("SELECT $f$ it's $f$ /*a='1'*/", "1"),
        // A doubled quote inside a quoted identifier does not end it.
        ("SELECT \"a\"\"b\" /*a='1'*/", "1"),
        // Comments nest: the first comment ends at its second */, so the quote inside it is no string.
        ("SELECT /* /* nested */ '*/ /*a='1'*/", "1"),
    ])
    func findsCommentsAfterLiterals(text: String, value: String) {
        #expect(SQLCommenter.parse(text)?["a"] == value)
    }

    @Test(arguments: [
        "SELECT 1 /* fetch users */",
        "SELECT 1 /**/",
        "SELECT 1 /* */",
        "SELECT 1 /*a='1',*/",
        "SELECT 1 /*,a='1'*/",
        "SELECT 1 /*a=b*/",
        "SELECT 1 /*a=1x*/",
        "SELECT 1 /*a=.5*/",
        "SELECT 1 /*='1'*/",
        "SELECT 1 /*a='1'b='2'*/",
        "SELECT 1 /*a='1*/",
        "SELECT 1 /*a = '1'*/",
        "SELECT 1 /*a:'1'*/",
        "SELECT 1 /*a='1\\*/",
        "SELECT 1 /* outer /*a='1'*/ still outer */",
        "SELECT 1 /*! a='1' */",
    ])
    func ignoresCommentsThatAreNotAllKeyValuePairs(text: String) {
        #expect(SQLCommenter.parse(text) == nil)
    }

    @Test func skipsAnOrdinaryCommentAfterTheSQLCommenterOne() throws {
        let comment = try #require(SQLCommenter.parse("SELECT 1 /*a='1'*/ /* note */"))
        #expect(comment.commentRange == 9..<18)
    }

    @Test(arguments: [
        "SELECT 1 /*traceparent='00-5bd66ef5095369c7b0d1f8f4bd33716a-c532",
        "SELECT 1 /*traceparent='\(traceParent)'*",
        "SELECT 1 /*traceparent='\(traceParent)'",
        "SELECT 1 /",
        "SELECT 'unterminated /*a='1'*/",
        "SELECT $$ /*a='1'*/",
        "SELECT \"/*a='1'*/",
    ])
    func truncatedTextHasNoComment(text: String) {
        #expect(SQLCommenter.parse(text) == nil)
        #expect(SQLCommenter.strip(text) == text)
    }

    @Test func aCompleteCommentBeforeATruncatedOneStillCounts() throws {
        let comment = try #require(SQLCommenter.parse("/*action='list'*/ SELECT 1 /*traceparent='00-5bd6"))
        #expect(comment["action"] == "list")
        #expect(comment.traceParent == nil)
    }

    @Test(arguments: ["", "S", "SELECT 1", "SELECT 1 / 2 * 3", "SELECT a */ b", String(repeating: "x/", count: 40)])
    func textWithoutCommentsIsLeftAlone(text: String) {
        #expect(SQLCommenter.parse(text) == nil)
        #expect(SQLCommenter.strip(text) == text)
    }

    /// `/*` at every position of texts around the 8-byte word size, and `/` without `*`.
    @Test func findsTheCommentOpenerAtEveryOffset() {
        for length in 2...24 {
            for position in 0...(length - 2) {
                var bytes = [UInt8](repeating: UInt8(ascii: "x"), count: length)
                bytes[position] = UInt8(ascii: "/")
                let slashOnly = bytes
                bytes[position + 1] = UInt8(ascii: "*")
                #expect(bytes.withUnsafeBufferPointer(SQLCommenter.containsCommentOpener), "length \(length) at \(position)")
                #expect(!slashOnly.withUnsafeBufferPointer(SQLCommenter.containsCommentOpener), "length \(length) at \(position)")
            }
        }
    }

    @Test func readsCollectionsWithoutContiguousStorage() throws {
        let text = "SELECT 1 /*traceparent='\(Self.traceParent)'*/"
        let lazyBytes = text.utf8.lazy.map { $0 }
        let comment = try #require(SQLCommenter.parse(lazyBytes))
        #expect(comment.traceParent?.parentSpanID == SpanID(0xc532_cb40_98ac_3dd2))
        #expect(comment.removed(from: lazyBytes) == Array("SELECT 1".utf8))
    }

    @Test func ignoresTracestateWhenTraceparentIsInvalid() throws {
        let text = "SELECT 1 /*traceparent='00-00000000000000000000000000000000-c532cb4098ac3dd2-01',tracestate='rojo%3D1'*/"
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment.traceParent == nil)
        #expect(comment.traceState == nil)
        #expect(comment["tracestate"] == "rojo=1")
    }

    @Test func ignoresTracestateWithoutTraceparent() throws {
        let comment = try #require(SQLCommenter.parse("SELECT 1 /*tracestate='rojo%3D1'*/"))
        #expect(comment.traceState == nil)
    }

    @Test func dropsAMalformedTracestateButKeepsTheTraceparent() throws {
        let text = "SELECT 1 /*traceparent='\(Self.traceParent)',tracestate='Rojo%3D1'*/"
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment.traceParent != nil)
        #expect(comment.traceState == nil)
    }

    @Test func readsTraceHeaderKeysInAnyCase() throws {
        let text = "SELECT 1 /*TraceParent='\(Self.traceParent)',TRACESTATE='rojo%3D1'*/"
        let comment = try #require(SQLCommenter.parse(text))
        #expect(comment.traceParent?.traceID.low == 0xb0d1_f8f4_bd33_716a)
        #expect(comment.traceState?.value == "rojo=1")
        #expect(comment["traceparent"] == nil)
    }

    @Test func theLastOfRepeatedKeysWins() throws {
        let comment = try #require(SQLCommenter.parse("/*a='1',a='2'*/"))
        #expect(comment["a"] == "2")
        #expect(comment.pairs.count == 2)
    }
}
