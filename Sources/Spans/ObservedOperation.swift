import QueryText

/// One completed request as request metrics see it (see `OperationObserver.observe`), as one value.
public struct ObservedOperation: Sendable {
    /// CLIENT (the application's side) or SERVER (the backend's).
    public var kind: DatabaseSpan.Kind
    /// From the first byte of the request to the end of its answer.
    public var durationNanoseconds: UInt64
    /// When it ended (CLOCK_MONOTONIC).
    public var endNanoseconds: UInt64
    /// DataRows received, when the request returns rows and did not fail.
    public var returnedRows: UInt64?
    /// The statement's analysis: db.query.summary, db.operation.name, db.collection.name.
    public var analysis: QueryAnalysis?
    /// db.response.status_code: SQLSTATE of an error or a warning.
    public var statusCode: String?
    /// error.type: SQLSTATE, `skipped` or `connection_closed`, only when the request failed.
    public var errorType: String?
    /// db.namespace, server.address, server.port.
    public var target: ConnectionTarget
    /// The process, and with it the resource (service.name, …).
    public var process: ObservedProcess

    public init(
        kind: DatabaseSpan.Kind, durationNanoseconds: UInt64, endNanoseconds: UInt64, returnedRows: UInt64? = nil,
        analysis: QueryAnalysis? = nil, statusCode: String? = nil, errorType: String? = nil, target: ConnectionTarget,
        process: ObservedProcess
    ) {
        self.kind = kind
        self.durationNanoseconds = durationNanoseconds
        self.endNanoseconds = endNanoseconds
        self.returnedRows = returnedRows
        self.analysis = analysis
        self.statusCode = statusCode
        self.errorType = errorType
        self.target = target
        self.process = process
    }
}
