/// Protocol Buffers wire format, the few pieces OTLP needs: varints, fixed 32/64-bit fields and
/// length-delimited fields whose length the caller computed first
/// (https://protobuf.dev/programming-guides/encoding/).
struct ProtobufWriter {
    enum WireType: UInt64 {
        case varint = 0
        case fixed64 = 1
        case lengthDelimited = 2
        case fixed32 = 5
    }

    private(set) var bytes: [UInt8] = []

    init(capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    mutating func varint(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    mutating func tag(_ field: Int, _ type: WireType) {
        varint(UInt64(field) << 3 | type.rawValue)
    }

    /// The header of an embedded message or other length-delimited field of `length` bytes.
    mutating func lengthDelimited(_ field: Int, length: Int) {
        tag(field, .lengthDelimited)
        varint(UInt64(length))
    }

    mutating func string(_ field: Int, _ value: String) {
        lengthDelimited(field, length: value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func varint(_ field: Int, _ value: UInt64) {
        tag(field, .varint)
        varint(value)
    }

    mutating func fixed64(_ field: Int, _ value: UInt64) {
        tag(field, .fixed64)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func fixed32(_ field: Int, _ value: UInt32) {
        tag(field, .fixed32)
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Eight raw bytes, most significant first (trace and span ids).
    mutating func bigEndian(_ value: UInt64) {
        withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
    }

    // MARK: sizes, for the length prefix of what encloses a field

    static func varintSize(_ value: UInt64) -> Int {
        // 7 payload bits per byte; 0 still takes one byte
        (64 - (value | 1).leadingZeroBitCount + 6) / 7
    }

    static func tagSize(_ field: Int) -> Int {
        varintSize(UInt64(field) << 3)
    }

    static func lengthDelimitedSize(_ field: Int, length: Int) -> Int {
        tagSize(field) + varintSize(UInt64(length)) + length
    }

    static func varintFieldSize(_ field: Int, _ value: UInt64) -> Int {
        tagSize(field) + varintSize(value)
    }
}
