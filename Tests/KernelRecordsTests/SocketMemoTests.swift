import KernelRecords
import Testing
import TestSupport

/// Records of one connection share its decoded socket; other connections decode their own.
struct SocketMemoTests {
    func image(connection: UInt64, peer: UInt8, port: UInt16) -> [UInt8] {
        RecordImage.encode(
            CapturedRequest(
                kind: .query, connectionID: connection,
                socket: .inet(local: [127, 0, 0, 1], localPort: 40_000, peer: [10, 0, 0, peer], peerPort: port)))
    }

    func decode(_ image: [UInt8], _ memo: inout SocketMemo) -> SocketAddress? {
        image.withUnsafeBytes { RecordDecoder.decode($0, sockets: &memo)?.socket }
    }

    @Test func eachConnectionKeepsItsOwnAddresses() {
        var memo = SocketMemo()
        // 1 and 65 share a memo slot: neither may get the other's socket
        let connections: [(UInt64, UInt8, UInt16)] = [(1, 9, 5432), (65, 8, 6432), (2, 7, 7432), (1, 9, 5432), (65, 8, 6432)]
        for (connection, peer, port) in connections {
            #expect(
                decode(image(connection: connection, peer: peer, port: port), &memo)
                    == .inet(local: [127, 0, 0, 1], localPort: 40_000, peer: [10, 0, 0, peer], peerPort: port))
        }
    }

    @Test func connectionEndsWithoutAnIDAreNeverShared() {
        var memo = SocketMemo()
        #expect(decode(image(connection: 0, peer: 1, port: 1), &memo) == .inet(local: [127, 0, 0, 1], localPort: 40_000, peer: [10, 0, 0, 1], peerPort: 1))
        #expect(decode(image(connection: 0, peer: 2, port: 2), &memo) == .inet(local: [127, 0, 0, 1], localPort: 40_000, peer: [10, 0, 0, 2], peerPort: 2))
    }
}
