import KernelRecords
import QueryText

/// The span builder's memory for joining hops: which connection ends it has seen on this node
/// (by socket pair and BackendKeyData) and which processes have connections of both roles. It
/// turns a record into the `HopEnd` its span carries. Owned by the builder's thread.
final class HopEndTracker {
    private struct Connection {
        var keys: [HopKey]
        var role: DatabaseSpan.Kind
        var pid: Int32
    }

    /// One end of a connection: the key, and whether the end is the server's.
    private struct End: Hashable {
        var key: HopKey
        var server: Bool
    }

    /// A process's live connections by role: counted, not flagged, so a pid the kernel reuses
    /// does not make an application look like a pooler for good.
    private struct Roles {
        var client = 0
        var server = 0
        var isProxy: Bool { client > 0 && server > 0 }
    }

    private var connections: BoundedMap<UInt64, Connection>
    /// How many live connections have each end (a socket pair can be reused after TIME_WAIT).
    private var ends: BoundedMap<End, Int>
    private var processes: BoundedMap<Int32, Roles>
    /// Per agent: crafted statements cannot aim at each other's hash.
    private let seed = UInt64.random(in: 0...UInt64.max)

    init(maxConnections: Int) {
        connections = BoundedMap(limit: maxConnections)
        ends = BoundedMap(limit: 2 * maxConnections)
        processes = BoundedMap(limit: maxConnections)
    }

    /// A startup record: the connection's BackendKeyData is known from here on.
    func connectionStarted(_ record: CapturedRequest) {
        forget(record.connectionID)
        note(record, backendKey: record.backendPID)
    }

    func connectionEnded(_ record: CapturedRequest) {
        forget(record.connectionID)
    }

    /// The end a span of `record` was observed at; `text` is the statement as it travelled.
    func end(for record: CapturedRequest, text: ArraySlice<UInt8>?) -> HopEnd {
        let connection = connections[record.connectionID] ?? note(record, backendKey: 0)
        let server = connection.role == .server
        let peerTraced = connection.keys.contains { ends[End(key: $0, server: !server)] != nil }
        let textHash = text.map { bytes in bytes.withUnsafeBytes { QueryHash.hash($0, seed: seed) } }
        var socket: ConnectionKey?
        var backendKey: UInt32 = 0
        for key in connection.keys {
            switch key {
            case .socket(let pair): socket = pair
            case .backend(let value): backendKey = value
            }
        }
        return HopEnd(
            role: connection.role, pid: record.pid, connection: socket, backendKey: backendKey, textHash: textHash,
            startNanoseconds: record.startNanoseconds, endNanoseconds: record.endNanoseconds, peerTraced: peerTraced,
            processIsProxy: processes[record.pid]?.isProxy ?? false)
    }

    @discardableResult
    private func note(_ record: CapturedRequest, backendKey: UInt32) -> Connection {
        let role: DatabaseSpan.Kind = record.role == .server ? .server : .client
        var keys: [HopKey] = []
        if let pair = ConnectionKey(socket: record.socket, role: role) { keys.append(.socket(pair)) }
        if backendKey != 0 { keys.append(.backend(backendKey)) }
        let connection = Connection(keys: keys, role: role, pid: record.pid)
        connections[record.connectionID] = connection
        for key in keys {
            let end = End(key: key, server: role == .server)
            ends[end] = (ends[end] ?? 0) + 1
        }
        var roles = processes[record.pid] ?? Roles()
        if role == .server { roles.server += 1 } else { roles.client += 1 }
        processes[record.pid] = roles
        return connection
    }

    private func forget(_ connectionID: UInt64) {
        guard let connection = connections[connectionID] else { return }
        connections[connectionID] = nil
        for key in connection.keys {
            let end = End(key: key, server: connection.role == .server)
            if let count = ends[end], count > 1 { ends[end] = count - 1 } else { ends[end] = nil }
        }
        guard var roles = processes[connection.pid] else { return }
        if connection.role == .server { roles.server -= 1 } else { roles.client -= 1 }
        processes[connection.pid] = roles.client > 0 || roles.server > 0 ? roles : nil
    }
}
