// Parsing /proc/PID/cgroup lines into entries.

import Testing

@testable import Scoping

@Suite struct ProcCgroupFileTests {
    @Test func parsesV1AndV2Lines() throws {
        let file = try ProcCgroupFile(parsing: """
            10:cpu,cpuacct:/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/x
            1:name=systemd:/system.slice/a:b.service
            0::/init.scope

            """, source: "/proc/42/cgroup")
        #expect(file.source == "/proc/42/cgroup")
        #expect(file.entries == [
            CgroupEntry(hierarchyID: 10, hierarchy: .legacy(controllers: ["cpu", "cpuacct"]), path: CgroupPath("/kubepods/pod4f3f2898-69e3-5a0d-820a-c4e87987dbce/x")),
            CgroupEntry(hierarchyID: 1, hierarchy: .legacy(controllers: ["name=systemd"]), path: CgroupPath("/system.slice/a:b.service")),
            CgroupEntry(hierarchyID: 0, hierarchy: .unified, path: CgroupPath("/init.scope")),
        ])
        #expect(file.unified?.path.description == "/init.scope")
        #expect(file.layout == .hybrid)
    }

    @Test func pathComponents() {
        #expect(CgroupPath("/").isRoot)
        #expect(CgroupPath("/").description == "/")
        #expect(CgroupPath("/a/b").components == ["a", "b"])
        #expect(CgroupPath("/../x.scope").isNamespaceRelative)
        #expect(!CgroupPath("/a/..").isNamespaceRelative)
    }

    @Test(arguments: [
        ("0:/kubepods", 1),
        ("x::/", 1),
        ("0::kubepods", 1),
        ("0::/\nnonsense", 2),
    ])
    func rejectsMalformedLines(contents: String, line: Int) {
        let text = String(contents.split(separator: "\n")[line - 1])
        #expect(throws: ScopingError.malformedLine(source: "/proc/self/cgroup", number: line, text: text)) {
            try ProcCgroupFile(parsing: contents)
        }
    }

    @Test func malformedLineMessage() {
        #expect(ScopingError.malformedLine(source: "/proc/self/cgroup", number: 2, text: "oops").description
            == "/proc/self/cgroup line 2 is not 'ID:CONTROLLERS:/PATH': \"oops\"")
    }

    @Test func rejectsEmptyFile() {
        #expect(throws: ScopingError.empty(source: "/proc/self/cgroup")) { try ProcCgroupFile(parsing: "\n") }
    }
}
