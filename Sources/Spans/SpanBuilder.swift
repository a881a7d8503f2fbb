import KernelRecords
import QueryText
import TraceContext
import Wire

/// Turns captured requests into database spans, keeping per-connection state (startup
/// parameters, prepared statement texts) in between. Owned by one thread; not Sendable.
public final class SpanBuilder {
    public struct Options: Sendable {
        /// Prepared statements and portals remembered per connection. Default 1000.
        public var maxStatementsPerConnection: Int
        /// Connections remembered at once (their state is small). Default 65536.
        public var maxConnections: Int
        /// db.query.text: sanitized (default), raw or off (`--query-text`).
        public var queryText: QueryTextMode
        /// Longest exported db.query.text, cut at a token boundary (`--max-query-length`). Default 2048.
        public var maxQueryLength: Int
        /// Which spans to keep (`--sampler`, OTEL_TRACES_SAMPLER). Default parentbased_always_on.
        public var sampler: SamplerConfiguration
        /// Spans carry their connection end (`DatabaseSpan.hop`) for a `HopJoiner`, and the ones the
        /// sampler leaves out are handed on unsampled (flags bit 0 clear) for it to decide by their
        /// chain's root (`--side both`). Default off.
        public var joinsHops = false

        public static let `default` = Options(
            maxStatementsPerConnection: 1000, maxConnections: 65536, queryText: .sanitized, maxQueryLength: 2048,
            sampler: .default)

        public init(
            maxStatementsPerConnection: Int, maxConnections: Int, queryText: QueryTextMode, maxQueryLength: Int,
            sampler: SamplerConfiguration
        ) {
            self.maxStatementsPerConnection = maxStatementsPerConnection
            self.maxConnections = maxConnections
            self.queryText = queryText
            self.maxQueryLength = maxQueryLength
            self.sampler = sampler
        }
    }

    /// What the builder noticed on the way (records the kernel gave up on, desynchronised or
    /// overflowed, are the kernel's to count).
    public struct Counters: Sendable, Equatable {
        /// Left out by the sampler.
        public var unsampled = 0
        /// sqlcommenter traceparent values that failed W3C validation (the span became a root).
        public var invalidTraceparents = 0
        public init() {}
    }

    public private(set) var counters = Counters()
    public var clock: WallClock
    private var ids: IDGenerator
    private let options: Options
    /// Sees every request that makes a span, kept by the sampler or not (request metrics).
    private let observer: OperationObserver?
    private var connections: BoundedMap<UInt64, ConnectionState>
    private var targets = ConnectionTargetTable()
    private var analyzer: QueryAnalyzer
    private let sampler: Sampler
    private let processes: ProcessResolver
    private let hopEnds: HopEndTracker?

    public init(
        options: Options = .default, processes: ProcessResolver = CommandNameResolver(), clock: WallClock = WallClock(),
        ids: IDGenerator = IDGenerator(), observer: OperationObserver? = nil
    ) {
        self.options = options
        self.processes = processes
        self.observer = observer
        self.clock = clock
        self.ids = ids
        connections = BoundedMap(limit: options.maxConnections)
        analyzer = QueryAnalyzer(mode: options.queryText, maxLength: options.maxQueryLength)
        sampler = Sampler(options.sampler)
        hopEnds = options.joinsHops ? HopEndTracker(maxConnections: options.maxConnections) : nil
    }

    /// The span for `record`, or nil for protocol bookkeeping (startup, Close, a successful Parse)
    /// and for what the sampler leaves out.
    public func span(for record: CapturedRequest) -> DatabaseSpan? {
        // the kernel gave up tracking these (and counts them): no span says anything true of them
        if record.outcome == .desync || record.outcome == .overflow { return nil }
        let span = build(record)
        // a SET application_name: the requests after this one carry the new name
        if record.kind != .startup, let application = record.applicationName {
            let connection = state(record)
            connection.applicationName = application.isEmpty ? nil : application
            connection.attributes = nil
        }
        return span
    }

    private func build(_ record: CapturedRequest) -> DatabaseSpan? {
        switch record.kind {
        case .startup:
            let state = ConnectionState(maxStatements: options.maxStatementsPerConnection)
            let startup = StartupParameters(body: record.text)
            state.startup = startup
            // the server's word (ParameterStatus) over the client's request
            state.applicationName = record.applicationName.map { $0.isEmpty ? nil : $0 } ?? startup.applicationName
            connections[record.connectionID] = state
            hopEnds?.connectionStarted(record)
            return nil
        case .connectionEnd:
            connections[record.connectionID] = nil
            hopEnds?.connectionEnded(record)
            return nil
        case .process:
            if let snapshot = ProcessSnapshot(record) { processes.announce(snapshot) }
            return nil
        case .library, .program, .tlsUnseen:
            // for the TLS discovery, not for spans
            return nil
        case .close:
            forget(record)
            return nil
        case .prepare:
            let text = remember(record)
            // a Parse that failed is something the application did; one that worked is bookkeeping
            guard record.flags.contains(.error) else { return nil }
            return makeSpan(record, text: text)
        case .execute:
            return makeSpan(record, text: remember(record))
        case .query:
            // the query string ends at its NUL (captured when the whole message fit)
            let end = record.text.firstIndex(of: 0) ?? record.text.endIndex
            return makeSpan(
                record, text: .known(record.text[..<end], truncated: record.flags.contains(.textTruncated), sentNow: true))
        case .functionCall:
            return makeSpan(record, text: .none)
        }
    }

    // MARK: - statement names

    /// Where a request's SQL text came from.
    enum Text {
        /// `sentNow`: the text travelled with this request (its sqlcommenter comment applies to it).
        case known(ArraySlice<UInt8>, truncated: Bool, sentNow: Bool)
        /// Prepared before Tusk was watching (or forgotten): only the name is known.
        case unknownStatement(String)
        case none
    }

    private func state(_ record: CapturedRequest) -> ConnectionState {
        if let state = connections[record.connectionID] { return state }
        let state = ConnectionState(maxStatements: options.maxStatementsPerConnection)
        connections[record.connectionID] = state
        return state
    }

    /// How soon after its prepare an execution still counts as the same call (see
    /// `ConnectionState.justPrepared`).
    static let prepareToExecuteNanoseconds: UInt64 = 1_000_000_000

    /// Learns the Parse/Bind in `record` and returns the text it executes.
    private func remember(_ record: CapturedRequest) -> Text {
        let state = state(record)
        let justPrepared = state.justPrepared
        state.justPrepared = nil
        var statement: String?
        var parsed: ParseBody?
        if record.flags.contains(.parse), let parse = ParseBody(body: record.text) {
            // only a statement the server stored has a name: a Parse that failed (42P05 behind a
            // pooler) or that an earlier error skipped leaves the name as it was
            if record.flags.contains(.parseComplete) {
                state.statements[parse.statement] = (parse.query, parse.queryTruncated)
                if !record.flags.contains(.execute) { state.justPrepared = (parse.statement, record.endNanoseconds) }
            }
            statement = parse.statement
            parsed = parse
        }
        if record.flags.contains(.bind), let bind = PortalNames.bind(record.names) {
            state.portals[bind.portal] = bind.statement
            statement = statement ?? bind.statement
        } else if statement == nil, record.flags.contains(.execute), let portal = PortalNames.execute(record.names) {
            statement = state.portals[portal]
        } else if statement == nil, let target = PortalNames.target(record.names) {
            statement = target.isStatement ? target.name : state.portals[target.name]
        }
        if let parsed { return .known(parsed.query[...], truncated: parsed.queryTruncated, sentNow: true) }
        guard let statement else { return .none }
        guard let query = state.statements[statement] else { return .unknownStatement(statement) }
        // the first execution right after its prepare (asyncpg, pgx's statement cache, JDBC past
        // prepareThreshold) is the application's call that sent the text
        let sameCall = justPrepared.map {
            $0.statement == statement
                && (record.startNanoseconds <= $0.endNanoseconds
                    || record.startNanoseconds - $0.endNanoseconds < Self.prepareToExecuteNanoseconds)
        } ?? false
        return .known(query.text[...], truncated: query.truncated, sentNow: sameCall)
    }

    private func forget(_ record: CapturedRequest) {
        guard let state = connections[record.connectionID] else { return }
        state.justPrepared = nil
        guard let target = PortalNames.target(record.names) else { return }
        if target.isStatement {
            state.statements[target.name] = nil
        } else {
            state.portals[target.name] = nil
        }
    }

    private func forget(_ deallocations: [Deallocation], _ record: CapturedRequest) {
        guard !deallocations.isEmpty, let state = connections[record.connectionID] else { return }
        for deallocation in deallocations {
            switch deallocation {
            case .all: state.statements.removeAll()
            case .named(let name): state.statements[name] = nil
            }
        }
    }

    // MARK: - the span

    /// The span of a request whose statement text is `text`, in named steps: the comment, the
    /// analysis, status and rows, the metrics, sampling, the name, the resource. The steps are
    /// inlined: as calls, the values handed between them cost reference counting on every span.
    private func makeSpan(_ record: CapturedRequest, text: Text) -> DatabaseSpan? {
        var attributes: [SpanAttribute] = []
        attributes.reserveCapacity(12)  // before the first append: one allocation per span, not two
        attributes.append(.string(Attribute.dbSystemName, "postgresql"))
        let (statement, parent) = readComment(text)
        let analysis = analyze(statement, record, into: &attributes)
        if record.kind == .functionCall, let function = Self.functionName(record) {
            attributes.append(.string(Attribute.dbStoredProcedureName, function))
        }
        let outcome = appendOutcome(record, to: &attributes)
        let connection = state(record)
        if record.kind == .query || record.kind == .functionCall { connection.justPrepared = nil }
        let process = processes.process(pid: record.pid, command: record.threadName)
        let kind: DatabaseSpan.Kind = record.role == .server ? .server : .client
        if let observer {
            // every request counts in the metrics, whatever the sampler decides
            let target = connection.target ?? target(record, connection)
            observer.observe(
                kind: kind, durationNanoseconds: record.duration, endNanoseconds: record.endNanoseconds,
                returnedRows: outcome.returnedRows, analysis: analysis, statusCode: outcome.statusCode,
                errorType: outcome.errorType, target: target, process: process)
        }
        // Sampling comes after the analysis: the comment's parent decides a parent-based sampler,
        // and a DEALLOCATE must leave the statement map whether or not its span is kept.
        guard let trace = sample(parent) ?? unsampledForHops(parent) else {
            counters.unsampled += 1
            return nil
        }
        attributes.append(.int(Attribute.threadID, Int64(record.tid)))
        let status = outcome.status
        let span = DatabaseSpan(
            traceID: trace.id,
            spanID: ids.spanID(),
            parentSpanID: parent?.traceParent.parentSpanID,
            traceState: parent?.state?.value ?? "",
            traceFlags: trace.flags,
            parentIsRemote: parent != nil,
            name: spanName(analysis, record, connection),
            kind: kind,
            startUnixNanoseconds: clock.unixNanoseconds(monotonic: record.startNanoseconds),
            endUnixNanoseconds: clock.unixNanoseconds(monotonic: record.endNanoseconds),
            status: status,
            attributes: attributes,
            connectionAttributes: connection.attributes ?? connectionAttributes(record, connection),
            process: process)
        guard let hopEnds else { return span }
        return span.withHop(hopEnds.end(for: record, text: text.knownBytes))
    }

    typealias Parent = (traceParent: TraceParent, state: TraceState?)

    /// The comment step: a sqlcommenter comment is taken out of the text (one statement keeps one
    /// text whatever trace it ran in); its traceparent is the span's parent when the text travelled
    /// with this request.
    @inline(__always)
    private func readComment(_ text: Text) -> (Text, Parent?) {
        guard case .known(let bytes, let truncated, let sentNow) = text, let comment = SQLCommenter.parse(bytes) else {
            return (text, nil)
        }
        var parent: Parent?
        if sentNow {
            if let traceParent = comment.traceParent {
                parent = (traceParent, comment.traceState)
            } else if comment["traceparent"] != nil {
                counters.invalidTraceparents += 1
            }
        }
        return (.known(comment.removed(from: bytes)[...], truncated: truncated, sentNow: sentNow), parent)
    }

    /// The analysis step: text, summary, operation, collection, procedure and batch from the
    /// statement; DEALLOCATE / DISCARD ALL (a simple Query or through the extended protocol) leave
    /// the statement map here.
    @inline(__always)
    private func analyze(_ text: Text, _ record: CapturedRequest, into attributes: inout [SpanAttribute]) -> QueryAnalysis? {
        switch text {
        case .known(let bytes, let truncated, _):
            let result = analyzer.analyze(bytes, captureTruncated: truncated)
            forget(result.deallocations, record)
            if let text = result.text { attributes.append(.string(Attribute.dbQueryText, text)) }
            if let summary = result.summary { attributes.append(.string(Attribute.dbQuerySummary, summary)) }
            if let operation = result.operation { attributes.append(.string(Attribute.dbOperationName, operation)) }
            if let collection = result.collection { attributes.append(.string(Attribute.dbCollectionName, collection)) }
            if let procedure = result.storedProcedure { attributes.append(.string(Attribute.dbStoredProcedureName, procedure)) }
            if result.batchSize >= 2 {
                attributes.append(.int(Attribute.dbOperationBatchSize, Int64(result.batchSize)))
                attributes.append(.int(Attribute.tuskBatchCompleted, Int64(record.completedCommands)))
            }
            if result.truncated { attributes.append(.bool(Attribute.tuskQueryTruncated, true)) }
            return consume result  // moved, not copied: a copy retains every string it holds
        case .unknownStatement(let name):
            attributes.append(.bool(Attribute.tuskQueryTextUnknown, true))
            attributes.append(.string(Attribute.tuskStatementName, name))
            return nil
        case .none:
            return nil
        }
    }

    /// The sampling step: the trace (the application's, or a new root) and its flags, or nil when
    /// the sampler leaves the span out.
    @inline(__always)
    private func sample(_ parent: Parent?) -> (id: TraceID, flags: UInt8)? {
        if let parent {
            let id = parent.traceParent.traceID
            // sampled because kept; the random-trace-id bit is the parent's (W3C: unknown bits are not passed on)
            let flags = (parent.traceParent.flags & 0x02) | 0x01
            let context = ParentContext(parent.traceParent, traceState: parent.state)
            return sampler.shouldSample(parent: context, traceID: id) ? (id, flags) : nil
        }
        let id = ids.traceID()
        return sampler.shouldSample(parent: nil, traceID: id) ? (id, 0x03) : nil  // sampled, random trace id
    }

    /// With hops joined, a span the sampler left out still goes on, marked unsampled: its chain's
    /// root decides (`HopJoiner`). Nil otherwise.
    private func unsampledForHops(_ parent: Parent?) -> (id: TraceID, flags: UInt8)? {
        guard hopEnds != nil else { return nil }
        guard let parent else { return (ids.traceID(), 0x02) }
        return (parent.traceParent.traceID, parent.traceParent.flags & 0x02)
    }

    /// How a request ended: its span status, the SQLSTATE of an error or warning, the error type
    /// of a failure, and the rows a request that did not fail returned.
    struct Outcome {
        var status = DatabaseSpan.Status.unset
        var statusCode: String?
        var errorType: String?
        var returnedRows: UInt64?
    }

    /// The status step: SQLSTATE of an error or warning, a request skipped or cut off, and the
    /// rows of a request that did not fail.
    @inline(__always)
    private func appendOutcome(_ record: CapturedRequest, to attributes: inout [SpanAttribute]) -> Outcome {
        var outcome = Outcome()
        if !record.errorFields.isEmpty {
            let fields = ErrorFields(body: record.errorFields)
            // only an ErrorResponse fails a request; a NoticeResponse (even WARNING 25P01) does not
            if record.flags.contains(.error) {
                let code = fields.sqlState ?? "ERROR"
                attributes.append(.string(Attribute.dbResponseStatusCode, code))
                attributes.append(.string(Attribute.errorType, code))
                outcome.status = .error(message: fields.message ?? code)
                outcome.statusCode = code
                outcome.errorType = code
            } else if fields.isWarning, let code = fields.sqlState {
                attributes.append(.string(Attribute.dbResponseStatusCode, code))
                outcome.statusCode = code
            }
        }
        switch record.outcome {
        case .skipped:
            attributes.append(.string(Attribute.errorType, "skipped"))
            outcome.status = .error(message: "not executed: an earlier request in the pipeline failed")
            outcome.errorType = "skipped"
        case .aborted where outcome.status == .unset:
            attributes.append(.string(Attribute.errorType, "connection_closed"))
            outcome.status = .error(message: "the connection ended before the response was complete")
            outcome.errorType = "connection_closed"
        default:
            break
        }
        // a failed request's rows were rolled back (or never returned in full): report none
        if outcome.status == .unset {
            let tag = TagSummary(record.tag)
            if record.dataRows > 0 || tag.returnsRows {
                let rows = min(record.dataRows, UInt64(Int64.max))
                attributes.append(.int(Attribute.dbResponseReturnedRows, Int64(rows)))
                outcome.returnedRows = rows
            }
            if tag.countsRows && !tag.returnsRows {
                // a multi-statement Query sums its statements' counts
                attributes.append(.int(Attribute.tuskRowsAffected, Int64(min(record.rows, UInt64(Int64.max)))))
            }
        }
        return outcome
    }

    /// The naming step: the summary, else what the conventions fall back to.
    @inline(__always)
    private func spanName(_ analysis: QueryAnalysis?, _ record: CapturedRequest, _ connection: ConnectionState) -> String {
        if let summary = analysis?.summary { return summary }  // the usual case: no fallback to format
        if record.kind == .functionCall && analysis == nil { return Self.functionName(record) ?? "FUNCTION" }
        let target = connection.target ?? target(record, connection)
        return QueryAnalysis.spanName(
            analysis, namespace: target.namespace, serverAddress: target.serverAddress, serverPort: target.serverPort.map(Int.init))
    }

    /// A FunctionCall's function: its name when it is one of libpq's, else its OID; nil when the
    /// OID was not captured (0 is no function's).
    private static func functionName(_ record: CapturedRequest) -> String? {
        guard record.functionOID != 0 else { return nil }
        return BuiltinFunction.name(oid: record.functionOID) ?? String(record.functionOID)
    }

    /// Where the record's connection goes, worked out on its first request.
    private func target(_ record: CapturedRequest, _ connection: ConnectionState) -> ConnectionTarget {
        let target = targets.target(startup: connection.startup, socket: record.socket, role: record.role)
        connection.target = target
        return target
    }

    /// What every span of the record's connection shares, built on its first span.
    private func connectionAttributes(_ record: CapturedRequest, _ state: ConnectionState) -> [SpanAttribute] {
        var attributes: [SpanAttribute] = []
        if let database = state.startup?.database {
            attributes.append(.string(Attribute.dbNamespace, database))
        }
        if let user = state.startup?.user {
            attributes.append(.string(Attribute.tuskDatabaseUser, user))
        }
        if let application = state.applicationName {
            attributes.append(.string(Attribute.tuskApplicationName, application))
        }
        appendNetwork(record, to: &attributes)
        state.attributes = attributes
        return attributes
    }

    private func appendNetwork(_ record: CapturedRequest, to attributes: inout [SpanAttribute]) {
        switch record.socket {
        case .inet(let local, let localPort, let peer, let peerPort):
            let server = record.role == .server ? (local, localPort) : (peer, peerPort)
            attributes.append(.string(Attribute.serverAddress, SocketAddress.format(server.0)))
            attributes.append(.int(Attribute.serverPort, Int64(server.1)))
            attributes.append(.string(Attribute.networkPeerAddress, SocketAddress.format(peer)))
            attributes.append(.int(Attribute.networkPeerPort, Int64(peerPort)))
            attributes.append(.string(Attribute.networkTransport, "tcp"))
        case .unix:
            attributes.append(.string(Attribute.networkTransport, "unix"))
        case .unknown:
            break
        }
    }
}
