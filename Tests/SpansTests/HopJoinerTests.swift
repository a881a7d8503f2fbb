// Hops on one node form one trace: the application's CLIENT span, PgBouncer's SERVER and CLIENT
// spans and PostgreSQL's SERVER span of one request nest as one chain, whatever order they
// arrive in, within a bounded window and a bounded number of held spans, kept or dropped by the
// chain's root.

import KernelRecords
@testable import Spans
import Testing
import TraceContext

struct HopJoinerTests {
    static let sql = "SELECT * FROM orders WHERE id = 42"

    /// The four spans of one request, app CLIENT → PgBouncer SERVER → PgBouncer CLIENT →
    /// PostgreSQL SERVER, in that order.
    static func chain(_ spans: [DatabaseSpan], app: Int32 = Hops.app.pid, backend: Int32 = Hops.backend.pid) throws -> [DatabaseSpan] {
        let app = try #require(spans.first { $0.process.pid == app && $0.kind == .client })
        let inbound = try #require(spans.first { $0.process.pid == Hops.pgbouncer.pid && $0.kind == .server })
        let outbound = try #require(spans.first { $0.process.pid == Hops.pgbouncer.pid && $0.kind == .client })
        let postgres = try #require(spans.first { $0.process.pid == backend && $0.kind == .server })
        return [app, inbound, outbound, postgres]
    }

    /// Every span after the first is the child of the one before, in the first one's trace.
    static func expectNested(_ chain: [DatabaseSpan], sourceLocation: SourceLocation = #_sourceLocation) {
        for (parent, child) in zip(chain, chain.dropFirst()) {
            #expect(child.traceID == chain[0].traceID, sourceLocation: sourceLocation)
            #expect(child.parentSpanID == parent.spanID, sourceLocation: sourceLocation)
            #expect(child.parentIsRemote == false, sourceLocation: sourceLocation)
            #expect(child.traceFlags == chain[0].traceFlags, sourceLocation: sourceLocation)
            #expect(child.traceState == chain[0].traceState, sourceLocation: sourceLocation)
            #expect(child.startUnixNanoseconds >= parent.startUnixNanoseconds, sourceLocation: sourceLocation)
            #expect(child.endUnixNanoseconds <= parent.endUnixNanoseconds, sourceLocation: sourceLocation)
        }
    }

    @Test func aRequestThroughAPoolerIsOneNestedTrace() throws {
        let hops = HopHarness()
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        let records = chain.request(Self.sql)
        // the backend's, PgBouncer's two: each can still get a parent, so each waits
        #expect(hops.feed(Array(records.prefix(3))).isEmpty)
        #expect(hops.joiner.heldCount == 3)
        // the application's span cannot have one: the chain leaves with it, at once
        let spans = try Self.chain(hops.feed([records[3]]))
        Self.expectNested(spans)
        #expect(spans[0].parentSpanID == nil)
        #expect(spans[0].traceFlags == 0x03)
        #expect(spans.map(\.kind) == [.client, .server, .client, .server])
        #expect(hops.joiner.heldCount == 0)
        #expect(hops.joiner.counters == HopJoiner.Counters(joined: 3))
        #expect(hops.expire(at: 10_000_000_000).isEmpty)
    }

    @Test func withATraceparentEverySpanJoinsTheApplicationsTrace() throws {
        let hops = HopHarness()
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        let sql = SpanBuilderTraceContextTests.commented(Self.sql, traceState: "k=v")
        let spans = try Self.chain(hops.feed(chain.request(sql)))
        Self.expectNested(spans)
        #expect(spans[0].traceID == SpanBuilderTraceContextTests.traceID)
        #expect(spans[0].parentSpanID == SpanBuilderTraceContextTests.parentSpanID)
        #expect(spans[0].parentIsRemote)
        #expect(spans[0].traceState == "k=v")
        #expect(spans[0].traceFlags == 0x01)
        // PgBouncer and PostgreSQL read the same comment: their spans hang under the hop before,
        // not under the comment's span
        #expect(spans[1].parentSpanID == spans[0].spanID)
    }

    /// The ring buffer gives no order between processes: any arrival order forms the same chain.
    @Test(arguments: [[3, 2, 1, 0], [3, 2, 0, 1], [1, 0, 3, 2], [0, 3, 1, 2], [2, 0, 1, 3]])
    func anyArrivalOrderFormsTheSameChain(order: [Int]) throws {
        let hops = HopHarness()
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        let records = chain.request(Self.sql)
        hops.feed(order.map { records[$0] })
        Self.expectNested(try Self.chain(hops.emitted))
        #expect(hops.emitted.count == 4)
        #expect(hops.joiner.heldCount == 0)
        #expect(hops.joiner.counters.joined == 3)
    }

    /// Two applications through the same PgBouncer at once, the same statement, overlapping in
    /// time: each chain keeps to its own connections.
    @Test func twoChainsInParallelOnDifferentConnections() throws {
        let hops = HopHarness()
        let first = Hops.Chain(0, backendPID: 300, appPID: 100)
        let second = Hops.Chain(1, backendPID: 301, appPID: 101)
        hops.feed(first.startups + second.startups)
        let a = first.request(Self.sql, at: 1000)
        let b = second.request(Self.sql, at: 1050)
        // completions interleave
        hops.feed([a[0], b[0], a[1], b[1], a[2], b[2], a[3], b[3]])
        #expect(hops.emitted.count == 8)
        for (app, backend) in [(Int32(100), Int32(300)), (101, 301)] {
            let root = try #require(hops.span(pid: app, .client))
            let trace = hops.emitted.filter { $0.traceID == root.traceID }
            #expect(trace.count == 4)
            let spans = try Self.chain(trace, app: app, backend: backend)
            Self.expectNested(spans)
        }
        #expect(hops.joiner.counters.joined == 6)
    }

    /// Three requests sent in one write on one connection, answered in one read: every SERVER span
    /// nests in every CLIENT span; requests are answered in order, so the n-th goes with the n-th.
    @Test func pipelinedRequestsPairInOrder() throws {
        let hops = HopHarness()
        let direct = Hops.tcp(1, client: (Hops.app.pid, "psql", 50_500), server: (Hops.backend.pid, "postgres", 5432))
        hops.feed([Hops.startup(direct.client, backendKey: 300), Hops.startup(direct.server, backendKey: 300)])
        let servers = [(100, 200), (210, 300), (310, 400)].map { Hops.query(Self.sql, at: direct.server, $0.0, $0.1) }
        let clients = (0..<3).map { _ in Hops.query(Self.sql, at: direct.client, 0, 500) }
        hops.feed(servers + clients)
        #expect(hops.emitted.count == 6)
        let roots = hops.emitted.filter { $0.kind == .client }
        let children = hops.emitted.filter { $0.kind == .server }
        for (root, child) in zip(roots, children) {
            #expect(child.parentSpanID == root.spanID)
            #expect(child.traceID == root.traceID)
        }
        #expect(Set(roots.map(\.traceID)).count == 3)
        #expect(children.map(\.startUnixNanoseconds) == children.map(\.startUnixNanoseconds).sorted())
    }

    @Test func aParentThatNeverComesLetsTheSpanGoAsBuiltAfterTheWindow() throws {
        let hops = HopHarness(options: .init(windowNanoseconds: 1_000_000_000, maxHeldSpans: 100))
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        hops.now = 5_000_000_000
        let records = chain.request(Self.sql)
        // the backend's and PgBouncer's outbound spans; PgBouncer's inbound request never completes
        #expect(hops.feed(Array(records.prefix(2))).isEmpty)
        #expect(hops.expire(at: 5_999_999_999).isEmpty)
        let spans = hops.expire(at: 6_000_000_000)
        #expect(spans.count == 2)
        let outbound = try #require(hops.span(pid: Hops.pgbouncer.pid, .client))
        let postgres = try #require(hops.span(pid: Hops.backend.pid, .server))
        #expect(outbound.parentSpanID == nil, "emitted as built")
        #expect(postgres.parentSpanID == outbound.spanID, "its own child still nests under it")
        #expect(postgres.traceID == outbound.traceID)
        #expect(hops.joiner.counters == HopJoiner.Counters(joined: 1, expired: 1))
        #expect(hops.joiner.heldCount == 0)
    }

    @Test func pastTheCapASpanGoesAtOnceAsBuilt() throws {
        let hops = HopHarness(options: .init(windowNanoseconds: 1_000_000_000, maxHeldSpans: 1))
        let first = Hops.Chain(0, backendPID: 300, appPID: 100)
        let second = Hops.Chain(1, backendPID: 301, appPID: 101)
        hops.feed(first.startups + second.startups)
        #expect(hops.feed([first.request(Self.sql)[0]]).isEmpty)
        let overflowed = hops.feed([second.request(Self.sql)[0]])
        #expect(overflowed.count == 1)
        #expect(overflowed.first?.parentSpanID == nil)
        #expect(hops.joiner.counters.overflowed == 1)
        #expect(hops.joiner.heldCount == 1)
    }

    /// traceidratio decides each root on its own random trace id; the spans under a root follow it,
    /// never their own draw: a chain is kept or dropped whole.
    @Test func theRootDecidesForItsChain() throws {
        let hops = HopHarness(seed: 3) { $0.sampler = SamplerConfiguration(kind: .traceIDRatio, ratio: 0.5) }
        let chains = (0..<40).map { Hops.Chain(UInt64($0), backendPID: 300 + Int32($0), appPID: 100 + Int32($0)) }
        for chain in chains { hops.feed(chain.startups) }
        for chain in chains { hops.feed(chain.request(Self.sql)) }
        var kept = 0
        for chain in chains {
            let app = chain.inbound.client.pid
            let spans = hops.emitted.filter { span in
                hops.emitted.contains { $0.process.pid == app && $0.traceID == span.traceID }
            }
            #expect(spans.count == 0 || spans.count == 4)
            if !spans.isEmpty { kept += 1 }
        }
        #expect(kept > 5 && kept < 35, "kept \(kept) of 40")
        #expect(hops.emitted.count == kept * 4)
        #expect(hops.joiner.counters.unsampled == (40 - kept) * 4)
        #expect(hops.builder.counters.unsampled == 0, "the joiner decides and counts")
    }

    @Test func aNotSampledTraceparentDropsTheWholeChain() {
        let hops = HopHarness()
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        let sql = SpanBuilderTraceContextTests.commented(
            Self.sql, traceParent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00")
        #expect(hops.feed(chain.request(sql)).isEmpty)
        #expect(hops.joiner.counters.unsampled == 4)
        #expect(hops.joiner.heldCount == 0)
    }

    /// Over a Unix socket there are no addresses: both ends read the same BackendKeyData.
    @Test func overAUnixSocketTheBackendKeyJoins() throws {
        let hops = HopHarness()
        let local = Hops.unix(1, client: (Hops.app.pid, "psql"), server: (Hops.backend.pid, "postgres"))
        hops.feed([Hops.startup(local.client, backendKey: 300), Hops.startup(local.server, backendKey: 300)])
        let spans = hops.feed([Hops.query(Self.sql, at: local.server, 100, 200), Hops.query(Self.sql, at: local.client, 0, 300)])
        #expect(spans.count == 2)
        #expect(spans[1].parentSpanID == spans[0].spanID)
        #expect(spans[1].traceID == spans[0].traceID)
    }

    /// Behind a Service's DNAT the two ends name the connection differently; the BackendKeyData
    /// still joins them when Tusk saw the connection start, and nothing does when it did not.
    @Test(arguments: [true, false])
    func behindAddressTranslationOnlyTheBackendKeyJoins(startupSeen: Bool) throws {
        let hops = HopHarness()
        let natted = Hops.tcp(
            1, client: (Hops.app.pid, "psql", 50_600), server: (Hops.backend.pid, "postgres", 5432), clientSees: [10, 96, 0, 10],
            serverSees: [10, 0, 0, 5])
        if startupSeen {
            hops.feed([Hops.startup(natted.client, backendKey: 300), Hops.startup(natted.server, backendKey: 300)])
        }
        let spans = hops.feed([Hops.query(Self.sql, at: natted.server, 100, 200), Hops.query(Self.sql, at: natted.client, 0, 300)])
        #expect(spans.count == 2)
        let server = try #require(spans.first { $0.kind == .server })
        let client = try #require(spans.first { $0.kind == .client })
        #expect((server.parentSpanID == client.spanID) == startupSeen)
        #expect(hops.joiner.heldCount == 0, "a SERVER span whose client is not known here does not wait")
    }

    /// A dual-stack listener reads its IPv4 client as `::ffff:a.b.c.d`: the same address.
    @Test func anIPv4MappedAddressIsTheIPv4Address() throws {
        let mapped: [UInt8] = Array(repeating: 0, count: 10) + [0xff, 0xff, 127, 0, 0, 1]
        let client = ConnectionKey(
            socket: .inet(local: Hops.loopback, localPort: 50_700, peer: Hops.loopback, peerPort: 5432), role: .client)
        let server = ConnectionKey(socket: .inet(local: mapped, localPort: 5432, peer: mapped, peerPort: 50_700), role: .server)
        #expect(client != nil && client == server)
        let other = ConnectionKey(socket: .inet(local: mapped, localPort: 5432, peer: mapped, peerPort: 50_701), role: .server)
        #expect(client != other)
        #expect(ConnectionKey(socket: .unix, role: .client) == nil)
    }

    @Test func differentStatementsDoNotJoin() throws {
        let hops = HopHarness()
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        var records = chain.request(Self.sql)
        records[0] = Hops.query("SET application_name = 'psql'", at: chain.outbound.server, 1300, 1700)
        hops.feed(records)
        #expect(hops.emitted.count == 3)
        #expect(hops.joiner.counters.joined == 2, "app → PgBouncer → PgBouncer's outbound")
        #expect(hops.joiner.heldCount == 1, "the SET waits for a parent of its own text")
        let set = try #require(hops.expire(at: 1_000_000_000).first)
        #expect(set.parentSpanID == nil)
        #expect(hops.joiner.counters.expired == 1)
    }

    /// A pooler is a process with live connections of both roles: once its inbound ones are gone
    /// (or its pid went to another program), its CLIENT spans no longer wait.
    @Test func aProcessIsAPoolerOnlyWhileItServes() {
        let hops = HopHarness()
        let chain = Hops.Chain()
        hops.feed(chain.startups)
        #expect(hops.feed([Hops.query(Self.sql, at: chain.outbound.client, 0, 100)]).isEmpty, "a pooler's span waits")
        hops.feed([Records.connectionEnd(connection: chain.inbound.server.connection)])
        #expect(hops.feed([Hops.query(Self.sql, at: chain.outbound.client, 200, 300)]).count == 1, "no longer a pooler")
    }

    /// `--side client`: the builder marks nothing and leaves unsampled spans out itself.
    @Test func withoutJoiningNothingChanges() {
        let builder = SpanBuilder.fixed { $0.sampler = SamplerConfiguration(kind: .alwaysOff) }
        #expect(builder.span(for: Records.query(Self.sql)) == nil)
        #expect(builder.counters.unsampled == 1)
        let kept = SpanBuilder.fixed().span(for: Records.query(Self.sql))
        #expect(kept?.hop == nil)
        // a span without a connection end goes through a joiner untouched
        let joiner = HopJoiner()
        var out: [DatabaseSpan] = []
        if let kept { joiner.offer(kept, now: 0) { out.append($0) } }
        #expect(out.map(\.spanID) == [kept?.spanID].compactMap { $0 })
        #expect(joiner.heldCount == 0)
    }
}

extension HopJoiner.Counters {
    init(joined: Int = 0, expired: Int = 0, overflowed: Int = 0, unsampled: Int = 0) {
        self.init()
        self.joined = joined
        self.expired = expired
        self.overflowed = overflowed
        self.unsampled = unsampled
    }
}
