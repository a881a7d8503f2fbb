import CTuskProtocol
import Testing
import TestSupport

/// The fields the kernel reads inside message bodies: a command tag's row count, and whether a
/// notice is a warning.
struct FieldTests {
    /// As the kernel holds a tag: TUSK_TAG_CAP bytes, the first `length` of them received.
    static func rows(_ tag: [UInt8], length: Int? = nil) -> UInt64 {
        var field = tag.prefix(Int(TUSK_TAG_CAP)) + [UInt8](repeating: 0xAA, count: max(0, Int(TUSK_TAG_CAP) - tag.count))
        let length = UInt32(length ?? min(tag.count, Int(TUSK_TAG_CAP)))
        return field.withUnsafeMutableBytes { tusk_tag_rows($0.baseAddress!.assumingMemoryBound(to: CChar.self), length) }
    }

    static let tags: [(String, UInt64)] = [
        ("SELECT 5", 5), ("INSERT 0 3", 3), ("UPDATE 2", 2), ("DELETE 0", 0), ("COPY 1000000", 1_000_000),
        ("MERGE 7", 7), ("FETCH 12", 12), ("MOVE 4", 4), ("SELECT 18446744073709551615", 18_446_744_073_709_551_615),
        ("CREATE TABLE", 0), ("BEGIN", 0), ("SET", 0), ("SELECT", 0), ("SELECT 12a", 0), ("", 0),
    ]

    @Test(arguments: tags.indices)
    func aTagsRowCountIsItsLastNumber(index: Int) {
        let (tag, rows) = Self.tags[index]
        #expect(Self.rows(WireFixtures.cString(tag)) == rows, "\(tag) with its NUL")
        #expect(Self.rows(Array(tag.utf8)) == rows, "\(tag) without its NUL")
    }

    /// Only the received bytes count; a tag longer than the field is cut, so its count is unknown.
    @Test func onlyTheReceivedPartOfATagCounts() {
        #expect(Self.rows(Array("SELECT 123".utf8), length: 8) == 1)
        #expect(Self.rows(Array("SELECT 123".utf8), length: 0) == 0)
        let long = Array(("INSERT " + String(repeating: "9", count: 80)).utf8)
        #expect(Self.rows(long) == 0)
    }

    /// A captured ParameterStatus body names application_name only when the whole name and its
    /// NUL were captured; other parameters (and names that merely start alike) do not.
    @Test func onlyAnApplicationNameParameterStatusCounts() {
        func names(_ body: String, length: Int? = nil) -> Bool {
            var field = [CChar](repeating: 0, count: Int(TUSK_PARAMETER_CAP))
            let bytes = Array(body.utf8)
            for (i, byte) in bytes.prefix(field.count).enumerated() { field[i] = CChar(bitPattern: byte) }
            return tusk_names_application_name(field, UInt32(length ?? bytes.count)) != 0
        }
        #expect(names("application_name\0billing\0"))
        #expect(names("application_name\0\0"))
        #expect(!names("application_name\0billing\0", length: 16))
        #expect(!names("application_namex\0y\0"))
        #expect(!names("client_encoding\0UTF8\0"))
        #expect(!names(""))
    }

    /// Feeds a NoticeResponse/ErrorResponse body byte by byte, as the kernel does.
    static func isWarning(_ body: [UInt8]) -> Bool {
        var fields = tusk_fields()
        for byte in body { tusk_fields_byte(&fields, byte) }
        return fields.warning != 0
    }

    static func body(_ message: [UInt8]) -> [UInt8] { Array(message.dropFirst(5)) }

    @Test func aNoticeIsAWarningBySQLStateClassOrSeverity() {
        typealias W = WireFixtures
        #expect(Self.isWarning(Self.body(W.noticeResponse("01000", "careful"))))
        #expect(Self.isWarning(Self.body(W.noticeResponse("01P01", "deprecated", severity: "NOTICE"))))
        #expect(Self.isWarning(Self.body(W.noticeResponse("25P01", "no transaction", severity: "WARNING"))))
        #expect(!Self.isWarning(Self.body(W.noticeResponse("00000", "table does not exist, skipping", severity: "NOTICE"))))
        #expect(!Self.isWarning(Self.body(W.errorResponse("42P01", "missing"))))
        // a class-01 code cut short is not one
        let cut = [UInt8(ascii: "C")] + Array("01".utf8)
        #expect(!Self.isWarning(cut))
        // only the localized severity, as servers before 9.6 send it
        let localized = [UInt8(ascii: "S")] + WireFixtures.cString("WARNING") + [UInt8(ascii: "M")] + WireFixtures.cString("x") + [0]
        #expect(Self.isWarning(localized))
        // fields after the terminating \0 are not read
        let after = [UInt8(ascii: "M")] + WireFixtures.cString("x") + [0, UInt8(ascii: "C")] + WireFixtures.cString("01000")
        #expect(!Self.isWarning(after))
    }
}

/// The kernel's scrub of a Bind's names field: the names stay, the parameter values after them go.
struct BindScrubTests {
    /// The field as the kernel holds it (TUSK_NAMES_CAP bytes, the first `count` received; the
    /// rest as `filler`), scrubbed.
    static func scrubbed(_ received: [UInt8], filler: UInt8 = 0xEE) -> [UInt8] {
        let capacity = Int(TUSK_NAMES_CAP)
        var words = [UInt64](repeating: 0, count: capacity / 8)
        words.withUnsafeMutableBytes { raw in
            for index in 0..<capacity { raw[index] = index < received.count ? received[index] : filler }
        }
        tusk_scrub_bind_names(&words, UInt32(min(received.count, capacity)))
        return words.withUnsafeBytes { Array($0.prefix(min(received.count, capacity))) }
    }

    static func bindBody(portal: String, statement: String, parameters: [String]) -> [UInt8] {
        Array(WireFixtures.bind(statement: statement, portal: portal, parameters: parameters).dropFirst(5))
    }

    static let cases: [(portal: String, statement: String, parameters: [String])] = [
        ("", "", ["12345"]),
        ("", "S_1", ["secret"]),
        ("", "_pg3_0", ["a", "b", String(repeating: "x", count: 200)]),
        ("C_7", "stmt_with_a_long_name_0123456789", ["0123456789"]),
        ("", String(repeating: "n", count: 60), ["value-past-the-first-words"]),
        ("", "", []),
    ]

    @Test(arguments: cases.indices)
    func onlyTheNamesSurvive(index: Int) {
        let (portal, statement, parameters) = Self.cases[index]
        let body = Self.bindBody(portal: portal, statement: statement, parameters: parameters)
        let kept = Self.scrubbed(body)
        let names = WireFixtures.cString(portal) + WireFixtures.cString(statement)
        let expected = Array((names + [UInt8](repeating: 0, count: max(0, body.count - names.count))).prefix(kept.count))
        #expect(kept == expected, "portal \(portal), statement \(statement)")
        #expect(kept.dropFirst(names.count).allSatisfy { $0 == 0 })
    }

    /// Names longer than the field: nothing in it is a parameter value, nothing changes.
    @Test func namesFillingTheFieldAreKept() {
        let names = Array(String(repeating: "p", count: 100).utf8) + [0] + Array(String(repeating: "s", count: 60).utf8)
        #expect(Self.scrubbed(names) == Array(names.prefix(Int(TUSK_NAMES_CAP))))
    }

    /// A \0 anywhere in a word is found exactly, whatever its neighbours (no borrow across bytes).
    @Test func zeroBytesAreFoundExactly() {
        for position in 0..<8 {
            for neighbour: UInt8 in [0x01, 0x80, 0xff] {
                var bytes = [UInt8](repeating: neighbour, count: 8)
                bytes[position] = 0
                let word = bytes.withUnsafeBytes { $0.load(as: UInt64.self) }
                #expect(tusk_zero_bytes(word) == UInt64(1) << (8 * position), "\(position), \(neighbour)")
            }
        }
        #expect(tusk_zero_bytes(0) == 0x0101_0101_0101_0101)
        #expect(tusk_zero_bytes(0x0100_0000_0000_0001) == 0x0001_0101_0101_0100)
    }
}
