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
