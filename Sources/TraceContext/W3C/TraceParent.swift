// The W3C `traceparent` value: which trace and which parent span a statement belongs to.
//
//   00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01
//   │  │                                │                └ trace-flags, 2 hex: bit 0 sampled,
//   │  │                                │                  bit 1 random trace id (Level 2)
//   │  │                                └ parent-id, 16 hex, not all zeros
//   │  └ trace-id, 32 hex, not all zeros
//   └ version, 2 hex, not ff
// All hex lowercase (HEXDIGLC). https://www.w3.org/TR/trace-context-2/#traceparent-header

import ASCII

/// A valid W3C traceparent.
public struct TraceParent: Sendable, Hashable {
    /// The format version; 0 for the current one, 1…254 for later ones read as version 0.
    public var version: UInt8
    /// The trace; the low 56 bits of its `low` half are the randomness trace-id-ratio sampling reads.
    public var traceID: TraceID
    /// The caller's span.
    public var parentSpanID: SpanID
    /// All eight trace-flags bits as received.
    public var flags: UInt8

    public static let sampledFlag: UInt8 = 0x01
    public static let randomTraceIDFlag: UInt8 = 0x02

    /// The caller may have recorded its span.
    public var isSampled: Bool { flags & Self.sampledFlag != 0 }
    /// The caller vouches that the low 56 bits of the trace id are random.
    public var hasRandomTraceID: Bool { flags & Self.randomTraceIDFlag != 0 }

    /// The version-00 header value for these ids and flags (a later version is written as 00, as
    /// W3C "Versioning of traceparent" asks of a vendor that only knows version 00).
    public var headerValue: String {
        let flagDigits = String(flags, radix: 16)
        return "00-\(traceID.hex)-\(parentSpanID.hex)-\(flagDigits.count == 1 ? "0" : "")\(flagDigits)"
    }

    public init(version: UInt8 = 0, traceID: TraceID, parentSpanID: SpanID, flags: UInt8) {
        self.version = version
        self.traceID = traceID
        self.parentSpanID = parentSpanID
        self.flags = flags
    }

    /// Parses a traceparent value; nil when the value is invalid and must be ignored.
    ///
    /// Version 00 must be exactly 55 characters. A later version (01…fe) must be at least 55
    /// characters, with its first four fields laid out as in version 00 and, when longer, a `-`
    /// after the flags (W3C Trace Context, "Versioning of traceparent"); the fields after that are not
    /// read. Invalid: version `ff`, uppercase or other non-hex digits, an all-zero trace id or
    /// parent id, a missing dash.
    public init?(_ text: some StringProtocol) {
        let utf8 = text.utf8
        guard let parsed = utf8.withContiguousStorageIfAvailable(Self.parse)
            ?? Array(utf8).withUnsafeBufferPointer(Self.parse)
        else { return nil }
        self = parsed
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> TraceParent? {
        guard bytes.count >= 55, bytes[2] == .minus, bytes[35] == .minus, bytes[52] == .minus,
            let version = bytes[0..<2].lowercaseHexValue, version != 0xFF,
            let traceIDHigh = bytes[3..<19].lowercaseHexValue, let traceIDLow = bytes[19..<35].lowercaseHexValue,
            let parentSpanID = bytes[36..<52].lowercaseHexValue, let flags = bytes[53..<55].lowercaseHexValue
        else { return nil }
        if version == 0 {
            guard bytes.count == 55 else { return nil }
        } else if bytes.count > 55 {
            guard bytes[55] == .minus else { return nil }
        }
        guard traceIDHigh != 0 || traceIDLow != 0, parentSpanID != 0 else { return nil }
        return TraceParent(
            version: UInt8(version), traceID: TraceID(high: traceIDHigh, low: traceIDLow),
            parentSpanID: SpanID(parentSpanID), flags: UInt8(flags))
    }
}
