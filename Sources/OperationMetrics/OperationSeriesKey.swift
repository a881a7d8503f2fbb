import QueryText
import Spans

/// The attributes one series of the request metrics is broken down by, within one process.
struct OperationSeriesKey: Hashable, Sendable {
    var kind: DatabaseSpan.Kind
    var namespace: String?
    var operation: String?
    var collection: String?
    var summary: String?
    var statusCode: String?
    var errorType: String?
    var serverAddress: String?
    var serverPort: Int64?
    /// The series requests land in once their service has too many distinct summaries.
    var overflow = false

    init(kind: DatabaseSpan.Kind, analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget) {
        self.kind = kind
        namespace = target.namespace
        operation = analysis?.operation
        collection = analysis?.collection
        summary = analysis?.summary
        self.statusCode = statusCode
        self.errorType = errorType
        serverAddress = target.serverAddress
        serverPort = target.serverPort
    }

    init(overflowOf kind: DatabaseSpan.Kind) {
        self.kind = kind
        overflow = true
    }

    /// The attributes as OpenTelemetry names them, those that are known.
    var attributes: [SpanAttribute] {
        if overflow { return [.bool("otel.metric.overflow", true)] }
        var attributes: [SpanAttribute] = [.string("db.system.name", "postgresql")]
        if let namespace { attributes.append(.string("db.namespace", namespace)) }
        if let operation { attributes.append(.string("db.operation.name", operation)) }
        if let collection { attributes.append(.string("db.collection.name", collection)) }
        if let summary { attributes.append(.string("db.query.summary", summary)) }
        if let statusCode { attributes.append(.string("db.response.status_code", statusCode)) }
        if let errorType { attributes.append(.string("error.type", errorType)) }
        if let serverAddress { attributes.append(.string("server.address", serverAddress)) }
        if let serverPort { attributes.append(.int("server.port", serverPort)) }
        return attributes
    }
}
