/// How request metrics are aggregated.
public struct OperationMetricsOptions: Sendable, Equatable {
    /// Bucket bounds of db.client.operation.duration in seconds (`--duration-buckets`). Default:
    /// the semantic conventions' advice.
    public var durationBuckets: [Double]
    /// Bucket bounds of db.client.response.returned_rows. Default: the conventions' advice.
    public var rowBuckets: [Double]
    /// Distinct db.query.summary values per service (`--max-query-summaries`); requests past it
    /// are counted in an overflow series. Default 1000.
    public var maxSummariesPerService: Int
    /// A process that made no request for this long is forgotten (its counts stay in its
    /// service's totals on /metrics). Default 10 minutes.
    public var idleProcessNanoseconds: UInt64
    /// Processes with series of their own; past it, the one idle longest is forgotten as an idle
    /// one is. Default 4096.
    public var maxProcesses: Int

    public static let defaultDurationBuckets: [Double] = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10]
    public static let defaultRowBuckets: [Double] = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]

    public static let `default` = OperationMetricsOptions(
        durationBuckets: defaultDurationBuckets, rowBuckets: defaultRowBuckets, maxSummariesPerService: 1000,
        idleProcessNanoseconds: 600_000_000_000, maxProcesses: 4096)

    public init(
        durationBuckets: [Double], rowBuckets: [Double], maxSummariesPerService: Int, idleProcessNanoseconds: UInt64,
        maxProcesses: Int
    ) {
        self.durationBuckets = durationBuckets
        self.rowBuckets = rowBuckets
        self.maxSummariesPerService = maxSummariesPerService
        self.idleProcessNanoseconds = idleProcessNanoseconds
        self.maxProcesses = maxProcesses
    }
}
