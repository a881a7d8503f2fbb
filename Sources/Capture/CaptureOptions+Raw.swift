import CTuskBPF
import Glibc

extension CaptureOptions {
    /// The options as the C side takes them, valid inside `body`.
    func withRawOptions<Result>(_ body: (inout tusk_probe_options) -> Result) -> Result {
        let pids = pids.map { UInt32(bitPattern: $0) }
        return pids.withUnsafeBufferPointer { pidBuffer in
            var raw = tusk_probe_options(
                self_tgid: ignoreSelf ? UInt32(getpid()) : 0,
                max_query_bytes: UInt32(maxQueryBytes),
                pids: pidBuffer.baseAddress,
                pid_count: UInt32(pids.count),
                max_connections: UInt32(maxConnections),
                max_requests: UInt32(maxRequests),
                max_requests_per_conn: UInt32(maxRequestsPerConnection),
                ring_bytes: UInt32(ringBytes),
                trace_clients: side == .server ? 0 : 1, trace_servers: side == .client ? 0 : 1, tls_capture: tls ? 1 : 0,
                tls_per_process: tlsPerProcess ? 1 : 0,
                cgroup_count: 0, cgroup_ids: (0, 0, 0, 0, 0, 0, 0, 0),
                cgroup_levels: (0, 0, 0, 0, 0, 0, 0, 0))
            let subtrees = cgroups.prefix(Self.maxCgroups)
            raw.cgroup_count = UInt32(subtrees.count)
            withUnsafeMutableBytes(of: &raw.cgroup_ids) { ids in
                for (index, cgroup) in subtrees.enumerated() { ids.storeBytes(of: cgroup.id, toByteOffset: index * 8, as: UInt64.self) }
            }
            withUnsafeMutableBytes(of: &raw.cgroup_levels) { levels in
                for (index, cgroup) in subtrees.enumerated() { levels.storeBytes(of: cgroup.level, toByteOffset: index * 4, as: UInt32.self) }
            }
            return body(&raw)
        }
    }
}
