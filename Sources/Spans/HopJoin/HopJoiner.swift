import TraceContext

/// Joins the spans one request leaves on its way through this node — the application's CLIENT
/// span, a pooler's SERVER and CLIENT spans, PostgreSQL's SERVER span — into one trace:
///
/// - a SERVER span is the child of the CLIENT span it answers: the same connection seen from the
///   other end (the same socket pair, or the same BackendKeyData), the same statement text, and
///   nested in that span's time;
/// - in a process that is both a server and a client (a pooler, a proxy), an outbound CLIENT span
///   is the child of the inbound SERVER span it serves: same process, same text, nested in time.
///
/// Every span of a chain takes the trace of the chain's root (its trace id, trace state and flags,
/// and so its sampling decision: spans arrive marked by the sampler, and the root's mark is the
/// chain's); a child's parent is its hop parent, never remote.
///
/// Records arrive when requests complete, children before their parents, so a span waits only
/// while a parent can still come (`HopEnd.mayHaveParent`), at most `window` after it arrived; then
/// it is emitted as it was built (counted as expired). Past `maxHeldSpans` held, a span that would
/// wait is emitted at once (counted as overflowed). A span that cannot get a parent is emitted at
/// once with its chain. Spans already emitted stay findable for a window, without their contents,
/// so a child that arrives after its parent still joins it. Owned by one thread.
public final class HopJoiner {
    public struct Options: Sendable {
        /// How long a span waits for its hop parent, from its arrival (`--hop-join-window`). Default 1 s.
        public var windowNanoseconds: UInt64
        /// Spans waiting at once (`--hop-join-max-spans`); as many again are remembered as
        /// parents after they left. Default 10 000.
        public var maxHeldSpans: Int

        public static let `default` = Options(windowNanoseconds: 1_000_000_000, maxHeldSpans: 10_000)

        public init(windowNanoseconds: UInt64, maxHeldSpans: Int) {
            self.windowNanoseconds = windowNanoseconds
            self.maxHeldSpans = max(0, maxHeldSpans)
        }
    }

    public struct Counters: Sendable, Equatable {
        /// Spans given a hop parent.
        public var joined = 0
        /// Held spans whose parent did not come within the window: emitted as built.
        public var expired = 0
        /// Spans emitted at once, as built, because `maxHeldSpans` were waiting.
        public var overflowed = 0
        /// Spans left out because their chain's root was not sampled.
        public var unsampled = 0
        public init() {}
    }

    public private(set) var counters = Counters()
    /// Spans waiting now.
    public private(set) var heldCount = 0
    private let options: Options
    /// CLIENT spans whose SERVER child may still come, by their connection's keys.
    private var clientParents: [HopKey: [HopNode]] = [:]
    /// Held SERVER spans without a parent yet, by their connection's keys.
    private var serverChildren: [HopKey: [HopNode]] = [:]
    /// SERVER spans of proxies whose outbound CLIENT child may still come, by process.
    private var proxyParents: [Int32: [HopNode]] = [:]
    /// Held CLIENT spans of proxies without a parent yet, by process.
    private var proxyChildren: [Int32: [HopNode]] = [:]
    /// Every node the joiner still knows, in arrival order: the window runs out front first.
    private var order: [HopNode] = []
    private var orderStart = 0

    public init(options: Options = .default) {
        self.options = options
    }

    /// Takes a span just built; hands on (to `emit`) whatever it resolves, now or its chain.
    public func offer(_ span: DatabaseSpan, now: UInt64, emit: (DatabaseSpan) -> Void) {
        guard let end = span.hop else {
            emitAsBuilt(span, emit)
            return
        }
        let node = HopNode(span: span, end: end, arrival: now)
        let parent = findParent(of: node)
        // (a process talking to itself could offer its own parent as its child: never a cycle)
        let child = findChild(of: node).flatMap { $0 === parent ? nil : $0 }
        if let parent, let chain = parent.chain {
            // the parent already left: join its chain now, and bring along a child that waited
            attach(node, to: parent)
            if let child { attach(child, to: node) }
            resolve(node, chain: chain, parentSpanID: parent.spanID, emit)
            remember(node)
            return
        }
        let mustWait = parent != nil || end.mayHaveParent
        if mustWait && heldCount >= options.maxHeldSpans {
            counters.overflowed += 1
            if let child { attach(child, to: node) }
            resolveAsRoot(node, emit)
            return
        }
        if let child { attach(child, to: node) }
        if let parent {
            attach(node, to: parent)
            hold(node)
        } else if end.mayHaveParent {
            hold(node)
            listAsChild(node)
        } else {
            resolveAsRoot(node, emit)
            remember(node)
        }
    }

    /// Emits the spans whose window ran out without a parent (with their chains), and forgets
    /// what is past its window. Called after every poll.
    public func expire(now: UInt64, emit: (DatabaseSpan) -> Void) {
        while orderStart < order.count, now >= order[orderStart].arrival,
            now - order[orderStart].arrival >= options.windowNanoseconds
        {
            let node = order[orderStart]
            orderStart += 1
            if node.held && !node.hasParent {
                counters.expired += 1
                resolveAsRoot(node, emit)
            }
            unlistAsParent(node)
            unlistAsChild(node)
        }
        if orderStart == order.count {
            order.removeAll(keepingCapacity: true)
            orderStart = 0
        } else if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }

    /// Emits everything still held, as built or with the chain it is in (shutdown).
    public func flush(emit: (DatabaseSpan) -> Void) {
        expire(now: UInt64.max, emit: emit)
    }

    // MARK: - matching

    /// The span this one answers (a SERVER span) or serves (a proxy's CLIENT span): not yet
    /// matched, same text, around it in time; of several, the earliest (requests on one
    /// connection are answered in order).
    private func findParent(of node: HopNode) -> HopNode? {
        let end = node.end
        var best: HopNode?
        func consider(_ candidates: [HopNode]?) {
            for candidate in candidates ?? [] where candidate.child == nil && candidate !== node
                && candidate.end.textHash == end.textHash && candidate.end.encloses(end)
            {
                if let current = best, !Self.earlier(candidate, than: current) { continue }
                best = candidate
            }
        }
        switch end.role {
        case .server:
            for key in end.connectionKeys { consider(clientParents[key]) }
        case .client:
            consider(proxyParents[end.pid])
        }
        return best
    }

    /// A held span without a parent that this one is the parent of; of several, the earliest.
    private func findChild(of node: HopNode) -> HopNode? {
        let end = node.end
        var best: HopNode?
        func consider(_ candidates: [HopNode]?) {
            for candidate in candidates ?? [] where candidate.held && !candidate.hasParent && candidate !== node
                && candidate.end.textHash == end.textHash && end.encloses(candidate.end)
            {
                if let current = best, !Self.earlier(candidate, than: current) { continue }
                best = candidate
            }
        }
        switch end.role {
        case .client:
            for key in end.connectionKeys { consider(serverChildren[key]) }
        case .server:
            consider(proxyChildren[end.pid])
        }
        return best
    }

    private static func earlier(_ a: HopNode, than b: HopNode) -> Bool {
        (a.end.startNanoseconds, a.arrival) < (b.end.startNanoseconds, b.arrival)
    }

    private func attach(_ child: HopNode, to parent: HopNode) {
        parent.child = child
        child.hasParent = true
        unlistAsParent(parent)
        unlistAsChild(child)
    }

    // MARK: - resolving

    /// Hands `node` and the chain below it on in `chain`'s trace, under `parentSpanID`.
    private func resolve(_ node: HopNode, chain: HopNode.Chain, parentSpanID: SpanID?, _ emit: (DatabaseSpan) -> Void) {
        var current: HopNode? = node
        var parentID = parentSpanID
        while let node = current, node.chain == nil {
            node.chain = chain
            unlistAsChild(node)
            if node.held {
                node.held = false
                heldCount -= 1
            }
            if var span = node.span {
                node.span = nil
                if let parentID {
                    span.traceID = chain.traceID
                    span.parentSpanID = parentID
                    span.parentIsRemote = false
                    span.traceState = chain.traceState
                    span.traceFlags = chain.traceFlags
                    counters.joined += 1
                }
                if chain.sampled { emit(span) } else { counters.unsampled += 1 }
            }
            parentID = node.spanID
            current = node.child
        }
    }

    /// `node` heads its chain: it keeps the trace it was built with, and its sampler's mark.
    private func resolveAsRoot(_ node: HopNode, _ emit: (DatabaseSpan) -> Void) {
        guard let span = node.span else { return }
        let chain = HopNode.Chain(traceID: span.traceID, traceState: span.traceState, traceFlags: span.traceFlags)
        resolve(node, chain: chain, parentSpanID: nil, emit)
    }

    private func emitAsBuilt(_ span: DatabaseSpan, _ emit: (DatabaseSpan) -> Void) {
        if span.traceFlags & 0x01 != 0 { emit(span) } else { counters.unsampled += 1 }
    }

    // MARK: - holding and remembering

    private func hold(_ node: HopNode) {
        node.held = true
        heldCount += 1
        listAsParent(node)
        order.append(node)
    }

    /// A span already emitted stays a parent candidate for its window, if a child can come and
    /// there is room.
    private func remember(_ node: HopNode) {
        guard order.count - orderStart < 2 * options.maxHeldSpans else { return }
        listAsParent(node)
        if node.listedAsParent { order.append(node) }
    }

    private func listAsParent(_ node: HopNode) {
        guard node.child == nil, !node.listedAsParent else { return }
        let end = node.end
        switch end.role {
        case .client:
            guard end.peerTraced else { return }
            let keys = end.connectionKeys
            guard !keys.isEmpty else { return }
            for key in keys { clientParents[key, default: []].append(node) }
        case .server:
            guard end.processIsProxy else { return }
            proxyParents[end.pid, default: []].append(node)
        }
        node.listedAsParent = true
    }

    private func listAsChild(_ node: HopNode) {
        guard !node.listedAsChild else { return }
        let end = node.end
        switch end.role {
        case .server:
            for key in end.connectionKeys { serverChildren[key, default: []].append(node) }
        case .client:
            proxyChildren[end.pid, default: []].append(node)
        }
        node.listedAsChild = true
    }

    private func unlistAsParent(_ node: HopNode) {
        guard node.listedAsParent else { return }
        node.listedAsParent = false
        switch node.end.role {
        case .client: for key in node.end.connectionKeys { Self.remove(node, key, from: &clientParents) }
        case .server: Self.remove(node, node.end.pid, from: &proxyParents)
        }
    }

    private func unlistAsChild(_ node: HopNode) {
        guard node.listedAsChild else { return }
        node.listedAsChild = false
        switch node.end.role {
        case .server: for key in node.end.connectionKeys { Self.remove(node, key, from: &serverChildren) }
        case .client: Self.remove(node, node.end.pid, from: &proxyChildren)
        }
    }

    private static func remove<Key: Hashable>(_ node: HopNode, _ key: Key, from lists: inout [Key: [HopNode]]) {
        guard var list = lists[key] else { return }
        list.removeAll { $0 === node }
        lists[key] = list.isEmpty ? nil : list
    }
}
