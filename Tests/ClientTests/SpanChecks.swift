import Foundation
import Testing
import TestSupport

/// Holds every span the agent printed for a workload's process against what the workload saw.
struct SpanChecks {
    let pid: Int32
    let serverPort: Int

    func verify(_ spans: [AgentProcess.Span], against expected: [ExpectedSpan], sourceLocation: SourceLocation = #_sourceLocation) throws {
        // exactly one span per statement, in order: the texts side by side make any extra or missing one plain
        #expect(spans.map { $0.text ?? "<no text>" } == expected.map(\.text), sourceLocation: sourceLocation)
        try #require(spans.count == expected.count, "\(spans.count) spans for \(expected.count) statements", sourceLocation: sourceLocation)

        for (span, want) in zip(spans, expected) {
            let what = Comment(rawValue: want.description)
            #expect(span.text == want.text, what, sourceLocation: sourceLocation)
            #expect(span.kind == "client", what, sourceLocation: sourceLocation)
            #expect(span.pid == pid, what, sourceLocation: sourceLocation)
            #expect(span.string("db.system.name") == "postgresql", what, sourceLocation: sourceLocation)
            #expect(span.string("db.namespace") == "tusk", what, sourceLocation: sourceLocation)
            #expect(span.string("network.transport") == "tcp", what, sourceLocation: sourceLocation)
            #expect(span.int("server.port") == serverPort, what, sourceLocation: sourceLocation)

            let returned = span.int("db.response.returned_rows")
            let affected = span.int("tusk.rows_affected")
            let code = span.string("db.response.status_code")
            let got = Comment(rawValue: "\(want) — got \(span.status) \(code ?? "") \(span.statusMessage ?? ""), "
                + "returned_rows \(returned.map(String.init) ?? "none"), rows_affected \(affected.map(String.init) ?? "none")")
            switch want.outcome {
            case .failed(let sqlstate):
                #expect(span.status == "error", got, sourceLocation: sourceLocation)
                #expect(code == sqlstate, got, sourceLocation: sourceLocation)
                #expect(returned == nil && affected == nil, got, sourceLocation: sourceLocation)
            case .returned(let rows):
                #expect(span.status == "unset" && code == nil, got, sourceLocation: sourceLocation)
                #expect(returned == rows, got, sourceLocation: sourceLocation)
                #expect(affected == nil, got, sourceLocation: sourceLocation)
            case .affected(let rows):
                #expect(span.status == "unset" && code == nil, got, sourceLocation: sourceLocation)
                #expect(affected == rows, got, sourceLocation: sourceLocation)
                #expect(returned == nil, got, sourceLocation: sourceLocation)
            case .skipped:
                #expect(span.status == "error" && span.string("error.type") == "skipped", got, sourceLocation: sourceLocation)
                #expect(code == nil, got, sourceLocation: sourceLocation)
                #expect(returned == nil && affected == nil, got, sourceLocation: sourceLocation)
            case .done:
                #expect(span.status == "unset" && code == nil, got, sourceLocation: sourceLocation)
                #expect(returned == nil && affected == nil, got, sourceLocation: sourceLocation)
            }

            #expect(span.durationNanoseconds > 0, what, sourceLocation: sourceLocation)
            #expect(
                span.durationNanoseconds <= want.maxNanoseconds,
                "\(what): span \(span.durationNanoseconds) ns > the client's \(want.maxNanoseconds) ns", sourceLocation: sourceLocation)
        }

        // a pipeline's or batch's statements: each its own span, started and answered in order
        let pairs = Array(zip(spans, expected))
        for (earlier, later) in zip(pairs, pairs.dropFirst()) where earlier.1.call != nil && earlier.1.call == later.1.call {
            #expect(earlier.0.start <= later.0.start, "\(later.1) started before \(earlier.1)", sourceLocation: sourceLocation)
            #expect(earlier.0.end <= later.0.end, "\(later.1) ended before \(earlier.1)", sourceLocation: sourceLocation)
        }
    }
}
