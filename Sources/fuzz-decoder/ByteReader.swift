// Fields taken one after another from the front of a fuzzer input.

/// Reads little-endian integers and byte runs from `bytes`; past the end every read yields zeros
/// and empty runs, so any input, however short, decodes to something.
struct ByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var isAtEnd: Bool { offset >= bytes.count }

    mutating func integer<Value: FixedWidthInteger & UnsignedInteger>(_: Value.Type = Value.self) -> Value {
        var value: Value = 0
        for index in 0..<(Value.bitWidth / 8) {
            let byte = offset < bytes.count ? bytes[offset] : 0
            value |= Value(byte) << (8 * index)
            offset += 1
        }
        return value
    }

    mutating func run(_ count: Int) -> [UInt8] {
        let start = min(offset, bytes.count)
        let end = min(offset + count, bytes.count)
        offset += count
        return Array(bytes[start..<end])
    }
}

/// The encoder side of `ByteReader`, for writing seeds.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    mutating func integer<Value: FixedWidthInteger & UnsignedInteger>(_ value: Value) {
        for index in 0..<(Value.bitWidth / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> (8 * index))) }
    }

    mutating func run(_ run: [UInt8]) {
        bytes += run
    }
}
