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

extension UInt64 {
    /// The eight bytes, most significant first (as trace and span ids go on the wire and in OTLP).
    var bigEndianBytes: [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: self >> (56 - 8 * $0)) } }

    /// 16 lowercase hex digits.
    var hex16: String {
        let digits = String(self, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
