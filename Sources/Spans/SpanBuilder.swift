import Capture
import Wire

/// Turns captured requests into database spans, keeping per-connection state (startup
/// parameters, prepared statement texts) in between. Owned by one thread; not Sendable.
public final class SpanBuilder {
    public struct Options: Sendable {
        /// Prepared statements and portals remembered per connection. Default 1000.
        public var maxStatementsPerConnection: Int
        /// Connections remembered at once (their state is small). Default 65536.
        public var maxConnections: Int

        public static let `default` = Options(maxStatementsPerConnection: 1000, maxConnections: 65536)

        public init(maxStatementsPerConnection: Int, maxConnections: Int) {
            self.maxStatementsPerConnection = maxStatementsPerConnection
            self.maxConnections = maxConnections
        }
    }

    /// Records that produced no span, by reason.
    public struct Counters: Sendable, Equatable {
        /// The stream stopped parsing as PostgreSQL (garbage, or another protocol).
        public var desynchronized = 0
        /// Too many requests in flight for the kernel to track.
        public var overflowed = 0
        public init() {}
    }

    public private(set) var counters = Counters()
    public var clock: WallClock
    private var ids: IDGenerator
    private let options: Options
    private var connections: BoundedMap<UInt64, ConnectionState>
    private var describer = QueryDescriber()
    private let processes: ProcessResolver

    public init(
        options: Options = .default, processes: ProcessResolver = CommandNameResolver(), clock: WallClock = WallClock(),
        ids: IDGenerator = IDGenerator()
    ) {
        self.options = options
        self.processes = processes
        self.clock = clock
        self.ids = ids
        connections = BoundedMap(limit: options.maxConnections)
    }

    /// The span for `record`, or nil for protocol bookkeeping (startup, Close, a successful Parse).
    public func span(for record: CapturedRequest) -> DatabaseSpan? {
        switch record.outcome {
        case .desync:
            counters.desynchronized += 1
            return nil
        case .overflow:
            counters.overflowed += 1
            return nil
        default:
            break
        }
        switch record.kind {
        case .startup:
            var state = ConnectionState(maxStatements: options.maxStatementsPerConnection)
            state.startup = StartupParameters(body: record.text)
            connections[record.connectionID] = state
            return nil
        case .connectionEnd:
            connections[record.connectionID] = nil
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
            if describer.isDeallocate(record.text) { forgetDeallocated(record) }
            return makeSpan(record, text: .known(record.text, truncated: record.flags.contains(.textTruncated)))
        case .functionCall:
            return makeSpan(record, text: .none)
        }
    }

    // MARK: - statement names

    /// Where a request's SQL text came from.
    enum Text {
        case known([UInt8], truncated: Bool)
        /// Prepared before Tusk was watching (or forgotten): only the name is known.
        case unknownStatement(String)
        case none
    }

    private func state(_ record: CapturedRequest) -> ConnectionState {
        connections[record.connectionID] ?? ConnectionState(maxStatements: options.maxStatementsPerConnection)
    }

    /// Learns the Parse/Bind in `record` and returns the text it executes.
    private func remember(_ record: CapturedRequest) -> Text {
        var state = state(record)
        defer { connections[record.connectionID] = state }
        var statement: String?
        if record.flags.contains(.parse), let parse = ParseBody(body: record.text) {
            state.statements[parse.statement] = parse.query
            statement = parse.statement
        }
        if record.flags.contains(.bind), let bind = PortalNames.bind(record.names) {
            state.portals[bind.portal] = bind.statement
            statement = statement ?? bind.statement
        } else if statement == nil, record.flags.contains(.execute), let portal = PortalNames.execute(record.names) {
            statement = state.portals[portal]
        } else if statement == nil, let target = PortalNames.target(record.names) {
            statement = target.isStatement ? target.name : state.portals[target.name]
        }
        guard let statement else { return .none }
        guard let query = state.statements[statement] else { return .unknownStatement(statement) }
        let truncated = record.flags.contains(.parse) && ParseBody(body: record.text)?.queryTruncated == true
        return .known(query, truncated: truncated)
    }

    private func forget(_ record: CapturedRequest) {
        guard let target = PortalNames.target(record.names), var state = connections[record.connectionID] else { return }
        if target.isStatement {
            state.statements[target.name] = nil
        } else {
            state.portals[target.name] = nil
        }
        connections[record.connectionID] = state
    }

    private func forgetDeallocated(_ record: CapturedRequest) {
        guard var state = connections[record.connectionID] else { return }
        if let name = describer.deallocatedName(record.text) {
            state.statements[name] = nil
        } else {
            state.statements.removeAll()
        }
        connections[record.connectionID] = state
    }

    // MARK: - the span

    private func makeSpan(_ record: CapturedRequest, text: Text) -> DatabaseSpan {
        var attributes: [SpanAttribute] = [.string(Attribute.dbSystemName, "postgresql")]
        attributes.reserveCapacity(16)
        var description: QueryDescription?
        switch text {
        case .known(let bytes, let truncated):
            let described = describer.describe(bytes)
            description = described
            attributes.append(.string(Attribute.dbQueryText, described.text))
            if let operation = described.operation {
                attributes.append(.string(Attribute.dbOperationName, operation))
            }
            if truncated { attributes.append(.bool(Attribute.tuskQueryTruncated, true)) }
        case .unknownStatement(let name):
            attributes.append(.bool(Attribute.tuskQueryTextUnknown, true))
            attributes.append(.string(Attribute.tuskStatementName, name))
        case .none:
            break
        }
        attributes.append(contentsOf: connectionAttributes(record))


        var status = DatabaseSpan.Status.unset
        if !record.errorFields.isEmpty {
            let fields = ErrorFields(body: record.errorFields)
            if record.flags.contains(.error) || fields.isError {
                let code = fields.sqlState ?? "ERROR"
                attributes.append(.string(Attribute.dbResponseStatusCode, code))
                attributes.append(.string(Attribute.errorType, code))
                status = .error(message: fields.message ?? code)
            } else if fields.isWarning, let code = fields.sqlState {
                attributes.append(.string(Attribute.dbResponseStatusCode, code))
            }
        }
        switch record.outcome {
        case .skipped:
            attributes.append(.string(Attribute.errorType, "skipped"))
            status = .error(message: "not executed: an earlier request in the pipeline failed")
        case .aborted where status == .unset:
            attributes.append(.string(Attribute.errorType, "connection_closed"))
            status = .error(message: "the connection ended before the response was complete")
        default:
            break
        }

        // a failed request's rows were rolled back (or never returned in full): report none
        if status == .unset {
            let tag = TagSummary(record.tag)
            if record.dataRows > 0 || tag.returnsRows {
                attributes.append(.int(Attribute.dbResponseReturnedRows, Int64(record.dataRows)))
            }
            if tag.countsRows && !tag.returnsRows {
                // a multi-statement Query sums its statements' counts
                attributes.append(.int(Attribute.tuskRowsAffected, Int64(min(record.rows, UInt64(Int64.max)))))
            }
        }
        attributes.append(.int(Attribute.threadID, Int64(record.tid)))

        let name = description?.operation ?? (record.kind == .functionCall ? "FUNCTION" : "postgresql")
        return DatabaseSpan(
            traceID: ids.traceID(),
            spanID: ids.spanID(),
            traceFlags: 0x03,  // sampled, random trace id
            name: name,
            kind: record.role == .server ? .server : .client,
            startUnixNanoseconds: clock.unixNanoseconds(monotonic: record.startNanoseconds),
            endUnixNanoseconds: clock.unixNanoseconds(monotonic: record.endNanoseconds),
            status: status,
            attributes: attributes,
            process: processes.process(pid: record.pid, command: record.command))
    }

    /// The attributes shared by every span of the record's connection, built on first use.
    private func connectionAttributes(_ record: CapturedRequest) -> [SpanAttribute] {
        if let cached = connections[record.connectionID]?.attributes { return cached }
        var state = state(record)
        var attributes: [SpanAttribute] = []
        if let database = state.startup?.database {
            attributes.append(.string(Attribute.dbNamespace, database))
        }
        if let user = state.startup?.user {
            attributes.append(.string(Attribute.tuskDatabaseUser, user))
        }
        if let application = state.startup?.applicationName {
            attributes.append(.string(Attribute.tuskApplicationName, application))
        }
        appendNetwork(record, to: &attributes)
        state.attributes = attributes
        connections[record.connectionID] = state
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
