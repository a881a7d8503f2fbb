/// The socket a connection runs over, as the kernel reported it.
public enum SocketAddress: Sendable, Equatable {
    case unknown
    case unix
    /// Addresses are 4 (IPv4) or 16 (IPv6) bytes; ports in host order.
    case inet(local: [UInt8], localPort: UInt16, peer: [UInt8], peerPort: UInt16)

    /// Text form of an IPv4 or IPv6 address (RFC 5952 compression for IPv6).
    public static func format(_ address: [UInt8]) -> String {
        if address.count == 4 {
            return address.map(String.init).joined(separator: ".")
        }
        guard address.count == 16 else { return "" }
        if address[0..<10].allSatisfy({ $0 == 0 }) && address[10] == 0xff && address[11] == 0xff {
            return "::ffff:" + address[12..<16].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 16, by: 2).map { UInt16(address[$0]) << 8 | UInt16(address[$0 + 1]) }
        // longest run of two or more zero groups becomes "::"
        var best = (start: -1, length: 0)
        var index = 0
        while index < groups.count {
            guard groups[index] == 0 else { index += 1; continue }
            var end = index
            while end < groups.count && groups[end] == 0 { end += 1 }
            if end - index > best.length && end - index >= 2 { best = (index, end - index) }
            index = end
        }
        let hex = groups.map { String($0, radix: 16) }
        guard best.start >= 0 else { return hex.joined(separator: ":") }
        let head = hex[..<best.start].joined(separator: ":")
        let tail = hex[(best.start + best.length)...].joined(separator: ":")
        return head + "::" + tail
    }
}
