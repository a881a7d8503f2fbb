import Capture
import Glibc
import Testing
import TestSupport

/// One poll hands over at most its budget of records: a backlog larger than that comes out over
/// several polls. What a poll builds (the reader's batch of spans or console lines) stays bounded
/// however fast the kernel produces, and the reader sees a stop request between polls.
@Suite(.enabled(if: TestEnvironment.canRunEBPF))
struct PollBudgetTests {
    typealias W = WireFixtures

    @Test func aBacklogComesOutOverSeveralBoundedPolls() throws {
        var options = CaptureOptions.default
        options.pids = [getpid()]
        options.ignoreSelf = false
        // a session of its own: nothing polls it until the backlog is there
        let session = try ProbeSession(options: options)
        try session.attach()
        defer { session.detach() }

        let pair = SocketPair()
        let queries = 180
        pair.send(W.startup())
        pair.answer(W.startupAnswer())
        for n in 0..<queries {
            pair.send(W.query("SELECT \(n)"))
            pair.answer(W.selectAnswer(rows: 1) + W.ready())
        }

        let budget = 50
        var polls: [Int] = []
        var sequences: [UInt32] = []
        // until a poll finds nothing; other tests in this process may add records of their own,
        // this connection's are collected
        while polls.count < 100 {
            var handed = 0
            let consumed = session.poll(timeoutMilliseconds: 100, maxRecords: budget) { record in
                handed += 1
                if record.fd == pair.client && record.startNanoseconds >= pair.created && record.kind != .connectionEnd {
                    sequences.append(record.sequence)
                }
            }
            #expect(consumed == handed)
            if consumed == 0 { break }
            polls.append(consumed)
        }
        // every record once: none lost or handed over again where a poll stopped
        #expect(sequences.count == queries + 1 && Set(sequences).count == sequences.count, "records per poll: \(polls)")
        #expect(polls.first == budget, "records per poll: \(polls)")
        #expect(polls.allSatisfy { $0 <= budget }, "records per poll: \(polls)")
        #expect(polls.filter { $0 == budget }.count >= (queries + 1) / budget, "records per poll: \(polls)")
    }
}
