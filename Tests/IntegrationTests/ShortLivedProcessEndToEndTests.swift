import Foundation
import Testing
import TestSupport

/// Cron jobs, migrations and CLIs exit right after their last query, usually before the agent
/// reads their spans. The kernel announces a process at its first connection (and wakes the
/// agent for it), with its executable, arguments and environment read from the process itself:
/// its spans carry its whole resource however late they are built — the container's id too, from
/// the cgroup the kernel reported.
@Suite(.enabled(if: TestEnvironment.canRunIntegration), .serialized)
struct ShortLivedProcessEndToEndTests {
    let postgres: PostgresSandbox

    init() throws {
        postgres = try PostgresSandbox.shared.get()
    }

    /// Five queries, then exit at once (os._exit: no interpreter teardown) — well within 10 ms of
    /// the last answer.
    let script = """
        import os, sys, psycopg2
        conn = psycopg2.connect(sys.argv[1])
        cur = conn.cursor()
        for i in range(5):
            cur.execute("SELECT %s AS quick", (i,))
            cur.fetchone()
        os._exit(0)
        """

    /// procfs: "/proc", or an empty directory standing for entries already gone when the agent
    /// reads them (then only the kernel's reading is left).
    @Test(arguments: ["/proc", "empty"])
    func aProcessThatExitsRightAfterItsLastQueryKeepsItsWholeResource(procfs: String) throws {
        let emptyProc = NSTemporaryDirectory() + "tusk-no-proc-\(getpid())"
        try FileManager.default.createDirectory(atPath: emptyProc, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: emptyProc) }
        let marker = try EndMarker(postgres)
        let agent = try AgentProcess(arguments: ["--query-text", "raw", "--process-command-line", "--proc-root", procfs == "empty" ? emptyProc : procfs])
        let connection = "host=127.0.0.1 port=\(postgres.port) user=tusk dbname=tusk"
        // inside a container's cgroup (its directory outlives the process, as a pod's does)
        let cgroup = try TestCgroup("quick")
        let containerID = String(repeating: "5eed", count: 16)
        let container = cgroup.path + "/docker-\(containerID).scope"
        try FileManager.default.createDirectory(atPath: container, withIntermediateDirectories: false)
        defer { rmdir(container) }
        let python = try ChildProcess.run(
            "/bin/sh", ["-c", "echo $$ > '\(container)/cgroup.procs' && exec \"$0\" \"$@\"", TestEnvironment.python, "-c", script, connection],
            environment: ["OTEL_SERVICE_NAME": "quick-job"])
        try #require(python.status == 0, "\(python.errorOutput)")

        try marker.send()
        let spans = try agent.spans(through: marker).filter { $0.pid == python.pid }
        try #require(spans.filter { $0.text == "SELECT 0 AS quick" || $0.text?.hasSuffix("AS quick") == true }.count == 5, "\(spans.map { $0.text ?? "-" }); agent log: \(agent.stderrText)")
        let executable = URL(fileURLWithPath: TestEnvironment.python).resolvingSymlinksInPath().path
        for span in spans {
            let resource = span.resource
            #expect(resource["service.name"] as? String == "quick-job", "\(resource)")
            #expect(resource["process.executable.path"] as? String == executable, "\(resource)")
            #expect(resource["process.executable.name"] as? String == (executable as NSString).lastPathComponent)
            #expect(resource["process.command_args"] as? [String] == [TestEnvironment.python, "-c", script, connection], "\(resource["process.command_args"] ?? "-")")
            #expect(resource["process.pid"] as? Int == Int(python.pid))
            #expect(resource["container.id"] as? String == containerID, "\(resource)")
        }
        #expect(agent.stop() == 0)
    }
}
