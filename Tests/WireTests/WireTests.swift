import Testing
@testable import Wire

/// Message bodies as the kernel captures them, decoded field by field.
struct ErrorFieldsTests {
    // ErrorResponse body for: SELECT * FROM nosuch
    //   'S' "ERROR" \0  'V' "ERROR" \0  'C' "42P01" \0  'M' message \0  'P' "15" \0  \0
    static let undefinedTable: [UInt8] =
        Array("SERROR\0VERROR\0C42P01\0Mrelation \"nosuch\" does not exist\0P15\0\0".utf8)

    @Test func decodesTheFieldsOfAnErrorResponse() {
        let fields = ErrorFields(body: Self.undefinedTable)
        #expect(fields.severity == "ERROR")
        #expect(fields.sqlState == "42P01")
        #expect(fields.message == "relation \"nosuch\" does not exist")
        #expect(fields.isError)
        #expect(!fields.isWarning)
    }

    @Test func keepsWhatArrivedOfATruncatedBody() {
        let cut = Array(Self.undefinedTable.prefix(30))  // ends 8 bytes into the message
        let fields = ErrorFields(body: cut)
        #expect(fields.sqlState == "42P01")
        #expect(fields.message == "relation")
    }

    @Test(arguments: [("00000", false), ("01000", false), ("02000", true), ("23505", true), ("57014", true)])
    func classesZeroZeroAndZeroOneAreNotErrors(code: String, isError: Bool) {
        let body = Array("SWARNING\0C\(code)\0Mm\0\0".utf8)
        #expect(ErrorFields(body: body).isError == isError)
    }

    @Test func aWarningNoticeIsAWarning() {
        let body = Array("SWARNING\0VWARNING\0C01000\0Mthere is no transaction in progress\0\0".utf8)
        let fields = ErrorFields(body: body)
        #expect(fields.isWarning)
        #expect(!fields.isError)
    }

    @Test func prefersTheNonLocalizedSeverity() {
        let body = Array("SFEHLER\0VERROR\0C42601\0\0".utf8)
        #expect(ErrorFields(body: body).severity == "ERROR")
    }

    @Test func ignoresAMalformedSQLState() {
        #expect(ErrorFields(body: Array("CXY\0\0".utf8)).sqlState == nil)
    }

    /// Captured bytes may be anything: field codes, NULs and broken UTF-8 in any order.
    @Test func survivesGarbage() {
        let alphabet: [UInt8] = Array("SVCMDHP0142E".utf8) + [0, 0, 0xC3, 0xFF]
        var state: UInt64 = 11
        for length in 0..<256 {
            let garbage = (0..<length).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return alphabet[Int(state >> 33) % alphabet.count]
            }
            let fields = ErrorFields(body: garbage)
            // A body cut off anywhere reads as if it had ended there.
            #expect(fields == ErrorFields(body: garbage + [0]), "\(garbage)")
            #expect(fields.sqlState == nil || fields.sqlState?.count == 5, "\(garbage)")
            for value in [fields.severity, fields.sqlState, fields.message, fields.detail, fields.hint] {
                #expect(!(value ?? "").utf8.contains(0), "\(garbage)")
            }
        }
    }
}

/// The span builder takes row counts from the kernel and only asks the tag whether it counts rows
/// and whether they were returned.
struct TagSummaryTests {
    static let returning = ["SELECT 5", "FETCH 10"]
    static let affecting = ["INSERT 0 3", "UPDATE 0", "DELETE 12", "MERGE 2", "COPY 50000", "MOVE 3"]
    static let uncounted = ["CREATE TABLE", "BEGIN", "SHOW", "SELECTED 1", ""]

    @Test(arguments: returning + affecting + uncounted)
    func saysWhetherTheTagCountsAndReturnsRows(tag: String) {
        for bytes in [Array(tag.utf8), Array(tag.utf8) + [0]] {
            let summary = TagSummary(bytes)
            #expect(summary.returnsRows == Self.returning.contains(tag), "\(bytes)")
            #expect(summary.countsRows == !Self.uncounted.contains(tag), "\(bytes)")
        }
    }
}

struct StartupParametersTests {
    // StartupMessage body after the protocol code: name \0 value \0 … \0
    static let psql: [UInt8] = Array("user\0alice\0database\0shop\0application_name\0psql\0client_encoding\0UTF8\0\0".utf8)

    @Test func readsUserDatabaseAndApplication() {
        let parameters = StartupParameters(body: Self.psql)
        #expect(parameters.user == "alice")
        #expect(parameters.database == "shop")
        #expect(parameters.applicationName == "psql")
        #expect(parameters.values["client_encoding"] == "UTF8")
    }

    @Test func theDatabaseDefaultsToTheUser() {
        let parameters = StartupParameters(body: Array("user\0bob\0\0".utf8))
        #expect(parameters.database == "bob")
    }

    @Test func dropsAPairCutOffByTruncation() {
        let parameters = StartupParameters(body: Array(Self.psql.prefix(22)))  // ends inside "shop"
        #expect(parameters.user == "alice")
        #expect(parameters.values["database"] == nil)
        #expect(parameters.database == "alice")
    }
}

struct ParseBodyTests {
    // Parse body: statement \0 query \0 int16 nparams int32 oids…
    @Test func splitsStatementNameAndQuery() throws {
        let body: [UInt8] = Array("S_1\0SELECT $1\0".utf8) + [0, 1, 0, 0, 0, 23]
        let parse = try #require(ParseBody(body: body))
        #expect(parse.statement == "S_1")
        #expect(String(decoding: parse.query, as: UTF8.self) == "SELECT $1")
        #expect(!parse.queryTruncated)
    }

    @Test func theUnnamedStatementHasAnEmptyName() throws {
        let parse = try #require(ParseBody(body: Array("\0select 1\0".utf8) + [0, 0]))
        #expect(parse.statement == "")
    }

    @Test func aCapturePrefixIsMarkedTruncated() throws {
        let parse = try #require(ParseBody(body: Array("stmt\0SELECT * FROM a_very_lo".utf8)))
        #expect(parse.queryTruncated)
        #expect(String(decoding: parse.query, as: UTF8.self) == "SELECT * FROM a_very_lo")
    }

    @Test func noNameTerminatorIsNoParse() {
        #expect(ParseBody(body: Array("abc".utf8)) == nil)
    }
}

struct PortalNamesTests {
    @Test func bindNamesPortalAndStatement() throws {
        // Bind: portal \0 statement \0 then parameter data (zeroed by the kernel)
        let names = try #require(PortalNames.bind(Array("C_1\0S_2\0".utf8) + [0, 0, 0]))
        #expect(names.portal == "C_1")
        #expect(names.statement == "S_2")
    }

    @Test func executeNamesItsPortal() {
        #expect(PortalNames.execute(Array("\0".utf8) + [0, 0, 0, 0]) == "")
        #expect(PortalNames.execute(Array("C_3\0".utf8) + [0, 0, 0, 50]) == "C_3")
    }

    @Test func describeAndCloseNameAStatementOrPortal() throws {
        let statement = try #require(PortalNames.target(Array("SS_7\0".utf8)))
        #expect(statement.isStatement && statement.name == "S_7")
        let portal = try #require(PortalNames.target(Array("PC_1\0".utf8)))
        #expect(!portal.isStatement && portal.name == "C_1")
        #expect(PortalNames.target(Array("XS_7\0".utf8)) == nil)
    }
}
