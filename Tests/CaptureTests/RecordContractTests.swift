import CTuskBPF
import Capture
import KernelRecords
import Foundation
import Testing
import TestSupport

/// The record layout Swift reads must be the one the BPF compiler wrote: compare the host view
/// of `struct tusk_record` with the BTF of the embedded BPF object, field by field.
struct RecordContractTests {
    nonisolated(unsafe) static let fields: [(String, PartialKeyPath<tusk_record>)] = [
        ("start_ns", \.start_ns), ("end_ns", \.end_ns), ("response_ns", \.response_ns), ("conn_id", \.conn_id),
        ("rows", \.rows), ("data_rows", \.data_rows), ("cgroup_id", \.cgroup_id), ("pid", \.pid), ("tid", \.tid), ("fd", \.fd), ("seq", \.seq),
        ("flags", \.flags), ("text_total", \.text_total), ("backend_pid", \.backend_pid), ("function_oid", \.function_oid), ("kind", \.kind),
        ("commands", \.commands), ("text_len", \.text_len), ("tag_len", \.tag_len), ("error_len", \.error_len),
        ("names_len", \.names_len), ("parameter_len", \.parameter_len), ("args_len", \.args_len), ("outcome", \.outcome), ("tx_status", \.tx_status), ("role", \.role),
        ("family", \.family), ("local_port", \.local_port), ("peer_port", \.peer_port),
        ("local_addr", \.local_addr), ("peer_addr", \.peer_addr), ("comm", \.comm), ("tag", \.tag),
        ("error", \.error), ("names", \.names), ("parameter", \.parameter),
    ]

    @Test func theRecordHasTheSameSizeOnBothSides() throws {
        var size: UInt32 = 0
        #expect(tusk_btf_struct_size("tusk_record", &size) == 0)
        #expect(Int(size) == MemoryLayout<tusk_record>.size)
        #expect(RecordDecoder.headerSize == Int(size))
    }

    @Test(arguments: fields.map(\.0))
    func everyFieldSitsAtTheSameOffset(name: String) throws {
        let keyPath = try #require(Self.fields.first { $0.0 == name }?.1)
        var offset: UInt32 = 0
        #expect(tusk_btf_member_offset("tusk_record", name, &offset) == 0, "BTF has no member \(name)")
        #expect(MemoryLayout<tusk_record>.offset(of: keyPath) == Int(offset))
    }

    /// The BTF's members, in declaration order, are exactly the list above: a field added,
    /// removed, renamed or moved in the C struct fails here until the list (and the decoder) follow.
    @Test func theBTFMembersAreTheCheckedFieldsInOrder() {
        var members: [String] = []
        var name = [CChar](repeating: 0, count: 64)
        while tusk_btf_member_name("tusk_record", UInt32(members.count), &name, name.count) == 0 {
            members.append(String(cString: name))
        }
        #expect(members == Self.fields.map(\.0))
    }

    @Test func theEmbeddedObjectIsBuiltFromTheCurrentSources() throws {
        let script = TestEnvironment.packageRoot.appendingPathComponent("scripts/gen-bpf").path
        let check = try ChildProcess.run("/bin/bash", [script, "--check"])
        #expect(check.status == 0, "run scripts/gen-bpf after changing bpf/: \(check.errorOutput)")
    }
}
