// The processes of a cgroup subtree, read from a tree of plain directories with cgroup.procs files
// in a temporary folder (the same reads as on /sys/fs/cgroup).

import Foundation
import Testing

@testable import Scoping

@Suite struct CgroupProcessesTests {
    /// `procs` by directory (relative to a fresh folder), written as cgroup.procs files.
    func tree(_ procs: [String: [Int32]]) throws -> URL {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("cgroup-procs-\(UUID().uuidString)")
        for (directory, pids) in procs {
            let folder = root.appendingPathComponent(directory)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try pids.map { "\($0)\n" }.joined().write(
                to: folder.appendingPathComponent("cgroup.procs"), atomically: true, encoding: .utf8)
        }
        return root
    }

    @Test func theSubtreeRootAndEveryCgroupBelowItEachPidOnce() throws {
        let root = try tree([
            "pod": [10], "pod/app": [11, 12], "pod/app/worker": [13], "pod/sidecar": [], "other": [20],
        ])
        defer { try? FileManager.default.removeItem(at: root) }
        let pids = CgroupProcesses.pids(under: [root.appendingPathComponent("pod").path, root.appendingPathComponent("pod/app").path])
        #expect(pids.sorted() == [10, 11, 12, 13])
    }

    @Test func aDirectoryThatCannotBeReadAddsNone() throws {
        #expect(CgroupProcesses.pids(under: ["/nonexistent/tusk-cgroup"]).isEmpty)
    }
}
