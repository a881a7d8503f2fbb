/// One completed PostgreSQL request as the kernel saw it (`struct tusk_record`, decoded).
/// Times are CLOCK_MONOTONIC nanoseconds.
public struct CapturedRequest: Sendable, Equatable {
    public enum Kind: UInt16, Sendable {
        case query = 1, execute, prepare, close, functionCall, startup, connectionEnd
        /// A process's first connection: who it is (`ProcessSnapshot`), read while it ran.
        case process
        /// A traced process mapped a file named libssl* for execution; `rows` and `dataRows` hold
        /// the file's inode and device as the kernel numbers them. Once per file.
        case library
        /// A traced process started a program file (same fields). Once per file.
        case program
        /// An encrypted connection whose application data goes out outside any probed TLS call:
        /// its plaintext is not seen. Once per connection.
        case tlsUnseen
    }

    public enum Outcome: UInt8, Sendable {
        /// Answered; `error` may still hold an ErrorResponse.
        case complete = 0
        /// Skipped by the server after an earlier error in the same pipeline.
        case skipped
        /// The connection ended before the answer was complete.
        case aborted
        /// The byte stream stopped parsing as PostgreSQL.
        case desync
        /// Too many requests in flight to track.
        case overflow
    }

    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let textTruncated = Flags(rawValue: 1 << 0)
        public static let parse = Flags(rawValue: 1 << 1)
        public static let bind = Flags(rawValue: 1 << 2)
        public static let describe = Flags(rawValue: 1 << 3)
        public static let execute = Flags(rawValue: 1 << 4)
        public static let sync = Flags(rawValue: 1 << 5)
        public static let error = Flags(rawValue: 1 << 6)
        public static let notice = Flags(rawValue: 1 << 7)
        public static let emptyQuery = Flags(rawValue: 1 << 8)
        public static let suspended = Flags(rawValue: 1 << 9)
        public static let copy = Flags(rawValue: 1 << 10)
        public static let midstream = Flags(rawValue: 1 << 11)
        /// ParseComplete arrived: the server stored the Parse's statement.
        public static let parseComplete = Flags(rawValue: 1 << 14)
        /// The answer carried a ParameterStatus of application_name (`applicationName`).
        public static let applicationName = Flags(rawValue: 1 << 15)
    }

    public enum Role: UInt8, Sendable {
        case unknown = 0, client = 1, server = 2
    }

    public var kind: Kind
    public var outcome: Outcome
    public var flags: Flags
    public var startNanoseconds: UInt64
    public var endNanoseconds: UInt64
    /// When the first answering byte was read; 0 when nothing came back.
    public var responseNanoseconds: UInt64
    /// Unique per connection while the programs stay loaded (fd numbers get reused).
    public var connectionID: UInt64
    public var pid: Int32
    public var tid: Int32
    public var fd: Int32
    public var sequence: UInt32
    public var rows: UInt64
    public var dataRows: UInt64
    /// CommandComplete messages received: the statements that completed.
    public var completedCommands: UInt16
    /// ReadyForQuery transaction status ('I', 'T', 'E'), 0 when none was seen.
    public var transactionStatus: UInt8
    public var backendPID: UInt32
    /// FunctionCall: the function's OID.
    public var functionOID: UInt32
    public var role: Role
    public var socket: SocketAddress
    /// The name of the thread that sent the request (`comm`).
    public var threadName: String
    /// Query text, Parse body (statement\0query\0…), startup parameters, or a process's
    /// executable path, arguments and environment; maybe truncated.
    public var text: [UInt8]
    /// Length of the message body `text` was cut from.
    public var textTotal: Int
    /// Last CommandComplete tag.
    public var tag: [UInt8]
    /// ErrorResponse (or first NoticeResponse) body prefix.
    public var errorFields: [UInt8]
    /// Bind/Execute/Describe/Close names (portal\0statement\0).
    public var names: [UInt8]
    /// The application_name the server reported in its answer (ParameterStatus: at startup, and
    /// after a SET), nil when it reported none.
    public var applicationName: String?
    /// `.process`: how many bytes of the argument and environment block are arguments.
    public var argumentsLength: Int
    /// `.process`: the process's cgroup (cgroup v2 id: its directory's inode number).
    public var cgroupID: UInt64

    public var duration: UInt64 { endNanoseconds &- startNanoseconds }

    public init(
        kind: Kind, outcome: Outcome = .complete, flags: Flags = [], startNanoseconds: UInt64 = 0,
        endNanoseconds: UInt64 = 0, responseNanoseconds: UInt64 = 0, connectionID: UInt64 = 0,
        pid: Int32 = 0, tid: Int32 = 0, fd: Int32 = 0, sequence: UInt32 = 0, rows: UInt64 = 0,
        dataRows: UInt64 = 0, completedCommands: UInt16 = 0, transactionStatus: UInt8 = 0,
        backendPID: UInt32 = 0, functionOID: UInt32 = 0, role: Role = .client, socket: SocketAddress = .unknown,
        threadName: String = "", text: [UInt8] = [], textTotal: Int = 0, tag: [UInt8] = [],
        errorFields: [UInt8] = [], names: [UInt8] = [], applicationName: String? = nil,
        argumentsLength: Int = 0, cgroupID: UInt64 = 0
    ) {
        self.kind = kind
        self.outcome = outcome
        self.flags = flags
        self.startNanoseconds = startNanoseconds
        self.endNanoseconds = endNanoseconds
        self.responseNanoseconds = responseNanoseconds
        self.connectionID = connectionID
        self.pid = pid
        self.tid = tid
        self.fd = fd
        self.sequence = sequence
        self.rows = rows
        self.dataRows = dataRows
        self.completedCommands = completedCommands
        self.transactionStatus = transactionStatus
        self.backendPID = backendPID
        self.functionOID = functionOID
        self.role = role
        self.socket = socket
        self.threadName = threadName
        self.text = text
        self.textTotal = textTotal
        self.tag = tag
        self.errorFields = errorFields
        self.names = names
        self.applicationName = applicationName
        self.argumentsLength = argumentsLength
        self.cgroupID = cgroupID
    }
}
