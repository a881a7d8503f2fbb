import Testing
@testable import TraceContext

/// W3C traceparent values, valid and invalid (https://www.w3.org/TR/trace-context-2/#traceparent-header).
struct TraceParentTests {
    static let traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
    static let parentID = "00f067aa0ba902b7"

    @Test func readsTheFieldsOfAVersionZeroValue() throws {
        let parent = try #require(TraceParent("00-\(Self.traceID)-\(Self.parentID)-01"))
        #expect(parent.version == 0)
        #expect(parent.traceID.high == 0x4bf9_2f35_77b3_4da6)
        #expect(parent.traceID.low == 0xa3ce_929d_0e0e_4736)
        #expect(parent.parentSpanID == SpanID(0x00f0_67aa_0ba9_02b7))
        #expect(parent.flags == 0x01)
        #expect(parent.isSampled)
        #expect(!parent.hasRandomTraceID)
        #expect(parent.traceID.bytes == [
            0x4b, 0xf9, 0x2f, 0x35, 0x77, 0xb3, 0x4d, 0xa6, 0xa3, 0xce, 0x92, 0x9d, 0x0e, 0x0e, 0x47, 0x36,
        ])
        #expect(parent.parentSpanID.bytes == [0x00, 0xf0, 0x67, 0xaa, 0x0b, 0xa9, 0x02, 0xb7])
        #expect(parent.headerValue == "00-\(Self.traceID)-\(Self.parentID)-01")
    }

    @Test(arguments: [
        ("00", false, false), ("01", true, false), ("02", false, true), ("03", true, true),
        ("09", true, false), ("ff", true, true),
    ])
    func readsTheFlagBits(flags: String, sampled: Bool, random: Bool) throws {
        let parent = try #require(TraceParent("00-\(Self.traceID)-\(Self.parentID)-\(flags)"))
        #expect(parent.isSampled == sampled)
        #expect(parent.hasRandomTraceID == random)
        #expect(parent.headerValue.hasSuffix("-\(flags)"))
    }

    @Test func keepsIDsWithLeadingZeros() throws {
        let parent = try #require(TraceParent("00-00000000000000000000000000000001-0000000000000001-00"))
        #expect(parent.traceID.high == 0)
        #expect(parent.traceID.low == 1)
        #expect(parent.parentSpanID == SpanID(1))
        #expect(parent.headerValue == "00-00000000000000000000000000000001-0000000000000001-00")
    }

    @Test(arguments: [
        // All-zero ids.
        "00-00000000000000000000000000000000-\(parentID)-01",
        "00-\(traceID)-0000000000000000-01",
        // Uppercase hex, in each field.
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-\(parentID)-01",
        "00-\(traceID)-00F067AA0BA902B7-01",
        "00-\(traceID)-\(parentID)-0A",
        "0A-\(traceID)-\(parentID)-01",
        // Non-hex digits.
        "00-4bf92f3577b34da6a3ce929d0e0e473g-\(parentID)-01",
        "00-\(traceID)-00f067aa0ba902bz-01",
        "00-\(traceID)-\(parentID)-0x",
        "0x-\(traceID)-\(parentID)-01",
        // Version ff is forbidden.
        "ff-\(traceID)-\(parentID)-01",
        // Wrong lengths.
        "00-\(traceID)-\(parentID)-1",
        "00-4bf92f3577b34da6a3ce929d0e0e473-\(parentID)-01",
        "00-\(traceID)-00f067aa0ba902b-01",
        "00-\(traceID)-\(parentID)-011",
        "0-\(traceID)-\(parentID)-01",
        // Version 00 is exactly 55 characters.
        "00-\(traceID)-\(parentID)-01-",
        "00-\(traceID)-\(parentID)-01-extra",
        // Missing or misplaced dashes.
        "00_\(traceID)-\(parentID)-01",
        "00-\(traceID)_\(parentID)-01",
        "00-\(traceID)-\(parentID)_01",
        "00\(traceID)-\(parentID)-01--",
        // Blank and padded.
        "",
        " 00-\(traceID)-\(parentID)-01",
        "00-\(traceID)-\(parentID)-01 ",
    ])
    func rejectsInvalidValues(text: String) {
        #expect(TraceParent(text) == nil)
    }

    @Test(arguments: [
        ("01-\(traceID)-\(parentID)-01", UInt8(0x01)),
        ("cc-\(traceID)-\(parentID)-01-what-the-future-will-be-like", 0xcc),
        ("fe-\(traceID)-\(parentID)-01-", 0xfe),
    ] as [(String, UInt8)])
    func readsTheFirstFourFieldsOfAHigherVersion(text: String, version: UInt8) throws {
        let parent = try #require(TraceParent(text))
        #expect(parent.version == version)
        #expect(parent.traceID.low == 0xa3ce_929d_0e0e_4736)
        #expect(parent.parentSpanID == SpanID(0x00f0_67aa_0ba9_02b7))
        #expect(parent.isSampled)
        #expect(parent.headerValue == "00-\(Self.traceID)-\(Self.parentID)-01")
    }

    @Test(arguments: [
        // Shorter than 55 characters.
        "cc-\(traceID)-\(parentID)-0",
        "cc-\(traceID)-\(parentID)",
        "cc-\(traceID)",
        // Longer, but no dash after the flags.
        "cc-\(traceID)-\(parentID)-01.what-the-future-will-be-like",
        "cc-\(traceID)-\(parentID)-010",
        // The known fields still follow the rules.
        "cc-\(traceID)-0000000000000000-01-x",
        "cc-\(traceID.uppercased())-\(parentID)-01-x",
    ])
    func rejectsInvalidHigherVersions(text: String) {
        #expect(TraceParent(text) == nil)
    }
}
