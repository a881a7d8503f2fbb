import QueryText

/// Sees every request that makes a span — whether or not the sampler keeps the span — with what
/// request metrics are made of. Called on the reader thread, once per request, with borrowed
/// references (the analysis and the target are the span builder's own objects): nothing is
/// copied or counted on the way.
public protocol OperationObserver: AnyObject {
    /// - kind: CLIENT (the application's side) or SERVER (the backend's)
    /// - durationNanoseconds: from the first byte of the request to the end of its answer
    /// - endNanoseconds: when it ended (CLOCK_MONOTONIC)
    /// - returnedRows: DataRows received, when the request returns rows and did not fail
    /// - analysis: db.query.summary, db.operation.name, db.collection.name
    /// - statusCode: db.response.status_code, the SQLSTATE of an error or a warning
    /// - errorType: error.type, only when the request failed
    /// - target: db.namespace, server.address, server.port
    /// - process: the resource (service.name, …)
    func observe(
        kind: DatabaseSpan.Kind, durationNanoseconds: UInt64, endNanoseconds: UInt64, returnedRows: UInt64?,
        analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget, process: ObservedProcess)
}

extension OperationObserver {
    /// Observes the request `operation` describes.
    public func observe(_ operation: ObservedOperation) {
        observe(
            kind: operation.kind, durationNanoseconds: operation.durationNanoseconds, endNanoseconds: operation.endNanoseconds,
            returnedRows: operation.returnedRows, analysis: operation.analysis, statusCode: operation.statusCode,
            errorType: operation.errorType, target: operation.target, process: operation.process)
    }
}
