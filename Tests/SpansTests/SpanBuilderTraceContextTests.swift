// Joining the application's trace: a sqlcommenter traceparent in the statement text parents the
// span; the sampler decides which spans exist.

@testable import Spans
import Testing
import TraceContext

struct SpanBuilderTraceContextTests {
    static let traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
    static let traceID = TraceID(high: 0x0af7_6519_16cd_43dd, low: 0x8448_eb21_1c80_319c)
    static let parentSpanID = SpanID(0xb7ad_6b71_6920_3331)

    static func commented(_ sql: String, traceParent: String = traceParent, traceState: String? = nil) -> String {
        let state = traceState.map { ",tracestate='\($0)'" } ?? ""
        return "\(sql) /*traceparent='\(traceParent)'\(state)*/"
    }

    /// (tracestate as written in the comment, the span's trace state)
    @Test(arguments: [("congo%3Dt61rcWkgMzE", "congo=t61rcWkgMzE"), ("k=v", "k=v"), ("rojo%3D00f067aa0ba902b7%2Ccongo%3Dt61rcWkgMzE", "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE")])
    func aTraceparentInAQueryParentsTheSpan(written: String, traceState: String) throws {
        let builder = SpanBuilder.fixed(seed: 5)
        let sql = Self.commented("SELECT * FROM orders WHERE id = 42", traceState: written)
        let span = try #require(builder.span(for: Records.query(sql, tag: "SELECT 1", dataRows: 1)))
        var ids = IDGenerator(seed: 5)
        #expect(span.traceID == Self.traceID)
        #expect(span.parentSpanID == Self.parentSpanID)
        #expect(span.spanID == ids.spanID())
        #expect(span.parentIsRemote)
        #expect(span.traceState == traceState)
        #expect(span.traceFlags == 0x01)
        #expect(span["db.query.text"] == .string("SELECT * FROM orders WHERE id = ?"))
        #expect(span.name == "SELECT orders")
        #expect(builder.counters == SpanBuilder.Counters())
    }

    @Test func theCommentIsRemovedFromTheRawTextToo() throws {
        let builder = SpanBuilder.fixed { $0.queryText = .raw }
        let span = try #require(builder.span(for: Records.query(Self.commented("SELECT * FROM orders WHERE id = 42"))))
        #expect(span["db.query.text"] == .string("SELECT * FROM orders WHERE id = 42"))
        #expect(span.parentSpanID == Self.parentSpanID)
    }

    @Test func aTraceparentInAParseSentWithTheExecuteParentsTheSpan() throws {
        let sql = Self.commented("SELECT * FROM orders WHERE id = $1")
        let span = try #require(SpanBuilder.fixed().span(for: Records.parseBindExecute(sql)))
        #expect(span.traceID == Self.traceID)
        #expect(span.parentSpanID == Self.parentSpanID)
        #expect(span["db.query.text"] == .string("SELECT * FROM orders WHERE id = $1"))
    }

    /// The comment belongs to the execution that sent it: a statement prepared with one and
    /// executed later by name runs in whatever trace the application is in then, which Tusk cannot see.
    @Test func aCommentInAStatementPreparedEarlierDoesNotParentLaterExecutions() throws {
        let builder = SpanBuilder.fixed(seed: 9)
        let sql = Self.commented("SELECT * FROM orders WHERE id = $1")
        let first = try #require(builder.span(for: Records.parseBindExecute(sql, statement: "S_1")))
        let later = try #require(builder.span(for: Records.bindExecute(statement: "S_1")))
        #expect(first.parentSpanID == Self.parentSpanID)
        #expect(later.parentSpanID == nil)
        #expect(later.parentIsRemote == false)
        #expect(later.traceID != Self.traceID)
        #expect(later.traceFlags == 0x03)
        #expect(later["db.query.text"] == .string("SELECT * FROM orders WHERE id = $1"))
    }

    /// asyncpg, pgx's statement cache and JDBC past prepareThreshold prepare (Parse/Describe/Sync)
    /// and then execute by name (Bind/Execute/Sync): the execution that comes next on the
    /// connection, within a second, is the call that sent the comment, and it parents that one;
    /// later executions of the statement are not.
    @Test func theExecutionRightAfterAPrepareIsParentedByItsComment() throws {
        let builder = SpanBuilder.fixed(seed: 9)
        builder.spans(for: [Records.prepare(Self.commented("SELECT * FROM orders WHERE id = $1"), statement: "S_1")])
        let first = try #require(builder.span(for: Records.bindExecute(statement: "S_1")))
        #expect(first.traceID == Self.traceID)
        #expect(first.parentSpanID == Self.parentSpanID)
        #expect(first.parentIsRemote)
        #expect(first["db.query.text"] == .string("SELECT * FROM orders WHERE id = $1"))
        let again = try #require(builder.span(for: Records.bindExecute(statement: "S_1")))
        #expect(again.parentSpanID == nil && again.traceID != Self.traceID, "a reuse is not parented by the prepare's comment")
    }

    /// Another request in between, another statement, or a pause of more than a second: the
    /// execution is not the prepare's call.
    @Test(arguments: ["query", "other statement", "late"])
    func anExecutionThatIsNotThePreparesCallIsNotParented(between: String) throws {
        let builder = SpanBuilder.fixed(seed: 9)
        builder.spans(for: [Records.prepare(Self.commented("SELECT * FROM orders WHERE id = $1"), statement: "S_1")])
        var execution = Records.bindExecute(statement: "S_1")
        switch between {
        case "query": _ = builder.span(for: Records.query("SELECT 1", tag: "SELECT 1", dataRows: 1))
        case "other statement":
            builder.spans(for: [Records.prepare("SELECT 2", statement: "S_2")])
        default:
            execution.startNanoseconds = Records.end + 1_500_000_000
            execution.endNanoseconds = execution.startNanoseconds + 1_000_000
        }
        let span = try #require(builder.span(for: execution))
        #expect(span.parentSpanID == nil && span.traceID != Self.traceID)
        #expect(span["db.query.text"] == .string("SELECT * FROM orders WHERE id = $1"))
    }

    @Test func anUnsampledParentDropsTheSpanUnderTheDefaultSampler() {
        let builder = SpanBuilder.fixed()
        let traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
        #expect(builder.span(for: Records.query(Self.commented("SELECT 1", traceParent: traceParent))) == nil)
        var expected = SpanBuilder.Counters()
        expected.unsampled = 1
        #expect(builder.counters == expected)
    }

    @Test(arguments: [
        "00-0AF7651916CD43DD8448EB211C80319C-B7AD6B7169203331-01",  // uppercase
        "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // zero trace id
        "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // zero parent id
        "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // version ff
        "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",  // no flags
    ])
    func anInvalidTraceparentMakesARootSpanAndIsCounted(traceParent: String) throws {
        let builder = SpanBuilder.fixed(seed: 3)
        let span = try #require(builder.span(for: Records.query(Self.commented("SELECT 1", traceParent: traceParent))))
        var ids = IDGenerator(seed: 3)
        #expect(span.traceID == ids.traceID())
        #expect(span.spanID == ids.spanID())
        #expect(span.parentSpanID == nil)
        #expect(span.parentIsRemote == false)
        #expect(span.traceState == "")
        #expect(span.traceFlags == 0x03)
        #expect(span["db.query.text"] == .string("SELECT ?"))
        var expected = SpanBuilder.Counters()
        expected.invalidTraceparents = 1
        #expect(builder.counters == expected)
    }

    @Test func anInvalidTracestateIsDroppedButTheParentKept() throws {
        let sql = Self.commented("SELECT 1", traceState: "UPPER=case")
        let span = try #require(SpanBuilder.fixed().span(for: Records.query(sql)))
        #expect(span.parentSpanID == Self.parentSpanID)
        #expect(span.traceState == "")
    }

    @Test func anOrdinaryCommentIsNotATraceContext() throws {
        let builder = SpanBuilder.fixed()
        let span = try #require(builder.span(for: Records.query("SELECT 1 /* nightly report */")))
        #expect(span.parentSpanID == nil)
        #expect(span["db.query.text"] == .string("SELECT ? /* nightly report */"))
        #expect(builder.counters == SpanBuilder.Counters())
    }

    // MARK: samplers

    @Test func alwaysOffDropsEverySpanWithOrWithoutAParent() {
        let builder = SpanBuilder.fixed { $0.sampler = SamplerConfiguration(kind: .alwaysOff) }
        #expect(builder.span(for: Records.query("SELECT 1")) == nil)
        #expect(builder.span(for: Records.query(Self.commented("SELECT 1"))) == nil)
        var expected = SpanBuilder.Counters()
        expected.unsampled = 2
        #expect(builder.counters == expected)
    }

    @Test func alwaysOnKeepsTheSpanOfAnUnsampledParent() throws {
        let builder = SpanBuilder.fixed { $0.sampler = SamplerConfiguration(kind: .alwaysOn) }
        let traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
        let span = try #require(builder.span(for: Records.query(Self.commented("SELECT 1", traceParent: traceParent))))
        #expect(span.parentSpanID == Self.parentSpanID)
        // the span was sampled, whatever the parent decided (OpenTelemetry SDK: flags follow the decision)
        #expect(span.traceFlags == 0x01)
    }

    @Test(arguments: [(0.0, false), (1.0, true)])
    func traceIDRatioDecidesRootSpans(ratio: Double, sampled: Bool) {
        let builder = SpanBuilder.fixed { $0.sampler = SamplerConfiguration(kind: .traceIDRatio, ratio: ratio) }
        let spans = builder.spans(for: (0..<20).map { _ in Records.query("SELECT 1") })
        #expect(spans.allSatisfy { ($0 != nil) == sampled })
        #expect(builder.counters.unsampled == (sampled ? 0 : 20))
    }

    /// Ratio 0.5 keeps trace ids whose low 56 bits are at least 2^55, whatever the parent's flag says.
    @Test(arguments: [
        ("00-00000000000000010080000000000000-b7ad6b7169203331-00", true),
        ("00-0000000000000001ff80000000000000-b7ad6b7169203331-00", true),
        ("00-0000000000000001007fffffffffffff-b7ad6b7169203331-01", false),
        ("00-00000000000000010000000000000001-b7ad6b7169203331-01", false),
    ])
    func traceIDRatioReadsTheParentsTraceID(traceParent: String, sampled: Bool) throws {
        let builder = SpanBuilder.fixed { $0.sampler = SamplerConfiguration(kind: .traceIDRatio, ratio: 0.5) }
        let span = builder.span(for: Records.query(Self.commented("SELECT 1", traceParent: traceParent)))
        #expect((span != nil) == sampled)
        if let span { #expect(span.traceFlags & 0x01 == 0x01) }
    }

    @Test func parentBasedTraceIDRatioFollowsTheParentAndSamplesRootsByRatio() throws {
        let builder = SpanBuilder.fixed { $0.sampler = SamplerConfiguration(kind: .parentBasedTraceIDRatio, ratio: 0) }
        #expect(builder.span(for: Records.query("SELECT 1")) == nil)
        #expect(builder.span(for: Records.query(Self.commented("SELECT 1"))) != nil)
        let unsampled = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"
        #expect(builder.span(for: Records.query(Self.commented("SELECT 1", traceParent: unsampled))) == nil)
        #expect(builder.counters.unsampled == 2)
    }

    @Test func theRandomTraceIDFlagOfTheParentIsKeptAndUnknownFlagsAreNot() throws {
        let traceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-ff"
        let span = try #require(SpanBuilder.fixed().span(for: Records.query(Self.commented("SELECT 1", traceParent: traceParent))))
        #expect(span.traceFlags == 0x03)
    }
}
