import KernelRecords
import Testing

/// A `.process` record's text (bpf/tusk_record.h): the executable's path names leaf first in
/// fixed slots, then arguments and environment.
struct ProcessSnapshotTests {
    static func record(path: [String], arguments: [String], environment: [String], total: Int? = nil) -> CapturedRequest {
        var text: [UInt8] = []
        for slot in 0..<8 {
            let name = slot < path.count ? Array(path[slot].utf8) : []
            text += name + [UInt8](repeating: 0, count: 64 - name.count)
        }
        let args: [UInt8] = arguments.flatMap { Array($0.utf8) + [0] }
        let env: [UInt8] = environment.flatMap { Array($0.utf8) + [0] }
        text += args + env
        return CapturedRequest(
            kind: .process, pid: 77, threadName: "python3", text: text, textTotal: total ?? args.count + env.count,
            argumentsLength: args.count)
    }

    @Test func theRecordGivesPathArgumentsAndEnvironment() throws {
        let snapshot = try #require(ProcessSnapshot(Self.record(
            path: ["python3.11", "bin", "usr"], arguments: ["python3", "-c", "pass"], environment: ["A=1", "OTEL_SERVICE_NAME=x"])))
        #expect(snapshot.pid == 77 && snapshot.command == "python3")
        #expect(snapshot.executablePath == "/usr/bin/python3.11")
        #expect(snapshot.executableName == "python3.11")
        #expect(snapshot.arguments == ["python3", "-c", "pass"])
        #expect(snapshot.environment == ["A=1", "OTEL_SERVICE_NAME=x"])
    }

    @Test func aCutEnvironmentLosesItsPartialLastEntry() throws {
        let snapshot = try #require(ProcessSnapshot(Self.record(
            path: ["psql"], arguments: ["psql"], environment: ["A=1", "B=partial"], total: 100_000)))
        #expect(snapshot.environment == ["A=1"])
        #expect(snapshot.executablePath == "/psql")
    }

    @Test func aPathDeeperThanTheKernelFollowsHasOnlyItsName() throws {
        let snapshot = try #require(ProcessSnapshot(Self.record(
            path: ["java", "bin", "a", "b", "c", "d", "e", "f"], arguments: [], environment: [])))
        #expect(snapshot.executablePath == nil)
        #expect(snapshot.executableName == "java")
        #expect(snapshot.arguments.isEmpty && snapshot.environment.isEmpty)
    }

    @Test func otherRecordsAreNoSnapshot() {
        #expect(ProcessSnapshot(CapturedRequest(kind: .query)) == nil)
    }
}
