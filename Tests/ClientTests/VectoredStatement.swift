import Foundation

/// One line of the vectored-I/O workload (Tests/Workloads/vectored/workload.py): a statement as it
/// went out, through which calls, and what the server answered.
struct VectoredStatement: Decodable, Sendable, CustomStringConvertible {
    let pid: Int32
    let call: Int
    let step: String
    let sql: String
    /// Frontend message types of the request, e.g. "Q" or "PBDES".
    let messages: String
    /// The call that sent the request: sendmsg or writev.
    let send: String
    /// Lengths of the buffers that call handed the kernel.
    let buffers: [Int]
    /// The calls that read the answer: recvmsg, readv.
    let recv: [String]
    /// CommandComplete tags, one per statement the server completed.
    let tags: [String]
    /// DataRows received.
    let rows: Int
    let sqlstate: String?
    /// From the send to ReadyForQuery, as the workload measured it.
    let ns: UInt64

    init(line: Substring) throws {
        self = try JSONDecoder().decode(Self.self, from: Data(line.utf8))
    }

    /// What the statement came to, from the server's answer: an error, rows returned, the rows
    /// of INSERT/UPDATE/DELETE tags summed (a multi-statement Query), or none of these.
    var outcome: ExpectedOutcome {
        if let sqlstate { return .failed(sqlstate: sqlstate) }
        if rows > 0 || tags.contains(where: { $0.hasPrefix("SELECT ") }) { return .returned(rows: rows) }
        let counts = tags.compactMap { tag -> Int? in
            let words = tag.split(separator: " ")
            guard let verb = words.first, ["INSERT", "UPDATE", "DELETE"].contains(verb) else { return nil }
            return words.last.flatMap { Int($0) }
        }
        return counts.isEmpty ? .done : .affected(rows: counts.reduce(0, +))
    }

    /// The span Tusk must make of it: its text and outcome, within the workload's own time.
    var expectedSpan: ExpectedSpan {
        ExpectedSpan(text: sql, outcome: outcome, maxNanoseconds: ns, call: call, origin: description)
    }

    var description: String { "call \(call) \(step) (\(messages) by \(send), read by \(recv.joined(separator: "+")))" }
}
