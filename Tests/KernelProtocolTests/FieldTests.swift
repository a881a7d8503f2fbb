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
