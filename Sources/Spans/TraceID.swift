/// 16-byte W3C trace id.
public struct TraceID: Sendable, Hashable {
    public var high: UInt64
    public var low: UInt64

    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// Big-endian bytes, as on the wire and in OTLP.
    public var bytes: [UInt8] { high.bigEndianBytes + low.bigEndianBytes }
    public var hex: String { high.hex16 + low.hex16 }
    public var isValid: Bool { high != 0 || low != 0 }
}

/// 8-byte W3C span id.
public struct SpanID: Sendable, Hashable {
    public var value: UInt64

    public init(_ value: UInt64) {
        self.value = value
    }

    public var bytes: [UInt8] { value.bigEndianBytes }
    public var hex: String { value.hex16 }
    public var isValid: Bool { value != 0 }
}

extension UInt64 {
    var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (56 - 8 * $0)) } }

    var hex16: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
