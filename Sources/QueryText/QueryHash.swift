// A fast seeded 64-bit hash of a sanitized query text, the cache's first-level key.

/// Not cryptographic: the cache compares the full text on every hit, so a collision costs a miss,
/// never a wrong answer. The seed is random per analyzer so crafted texts cannot aim at each other.
public enum QueryHash {
    public static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64) -> UInt64 {
        var h = seed ^ (UInt64(truncatingIfNeeded: bytes.count) &* 0x9E37_79B9_7F4A_7C15)
        guard let base = bytes.baseAddress else { return finish(h) }
        let count = bytes.count
        var offset = 0
        while offset + 8 <= count {
            let word = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
            h = mix(h ^ word)
            offset += 8
        }
        if offset < count {
            var word: UInt64 = 0
            var shift: UInt64 = 0
            while offset < count {
                word |= UInt64(base.load(fromByteOffset: offset, as: UInt8.self)) << shift
                shift += 8
                offset += 1
            }
            h = mix(h ^ word)
        }
        return finish(h)
    }

    @inline(__always) private static func mix(_ value: UInt64) -> UInt64 {
        let m = value &* 0xBF58_476D_1CE4_E5B9
        return m ^ (m >> 31)
    }

    @inline(__always) private static func finish(_ value: UInt64) -> UInt64 {
        var h = value
        h ^= h >> 33
        h = h &* 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33
        return h
    }
}
