import Glibc

/// One series: request durations and returned rows, since the series began, and what the last
/// delta export had already sent.
struct SeriesState {
    var duration: HistogramState
    var rows: HistogramState
    /// When the series began (Unix ns): cumulative points' start time.
    let startUnixNanoseconds: UInt64
    /// The state a delta export last sent, and when.
    private var exportedDuration: HistogramState
    private var exportedRows: HistogramState
    private var exportedUnixNanoseconds: UInt64

    /// `startUnixNanoseconds`: when the series began, no later than its first request's start.
    init(options: OperationMetricsOptions, startUnixNanoseconds: UInt64 = SeriesState.unixNow()) {
        duration = HistogramState(bucketCount: options.durationBuckets.count + 1)
        rows = HistogramState(bucketCount: options.rowBuckets.count + 1)
        self.startUnixNanoseconds = startUnixNanoseconds
        exportedDuration = duration
        exportedRows = rows
        exportedUnixNanoseconds = startUnixNanoseconds
    }

    mutating func record(duration seconds: Double, rows returned: Double?, options: OperationMetricsOptions) {
        duration.record(seconds, bounds: options.durationBuckets)
        if let returned { rows.record(returned, bounds: options.rowBuckets) }
    }

    /// Adds another series' counts (the same series in another process).
    mutating func add(_ other: SeriesState) {
        duration.add(other.duration)
        rows.add(other.rows)
    }

    /// The point an export sends: everything (cumulative), or what came since the last delta
    /// export, which it then marks as sent. Nil when a delta has nothing new.
    mutating func point(delta: Bool, nowUnixNanoseconds: UInt64) -> ExportedPoint? {
        guard delta else {
            return ExportedPoint(
                duration: duration, rows: rows, startUnixNanoseconds: startUnixNanoseconds, timeUnixNanoseconds: nowUnixNanoseconds)
        }
        guard duration.count > exportedDuration.count else { return nil }
        let point = ExportedPoint(
            duration: duration.since(exportedDuration), rows: rows.since(exportedRows),
            startUnixNanoseconds: exportedUnixNanoseconds, timeUnixNanoseconds: nowUnixNanoseconds)
        exportedDuration = duration
        exportedRows = rows
        exportedUnixNanoseconds = nowUnixNanoseconds
        return point
    }

    /// Takes back a delta point that was not delivered: the next delta export sends its counts again,
    /// from its start time.
    mutating func unsend(_ point: ExportedPoint) {
        exportedDuration = exportedDuration.since(point.duration)
        exportedRows = exportedRows.since(point.rows)
        exportedUnixNanoseconds = Swift.min(exportedUnixNanoseconds, point.startUnixNanoseconds)
    }

    static func unixNow() -> UInt64 {
        nanoseconds(CLOCK_REALTIME)
    }

    /// The Unix time of an earlier CLOCK_MONOTONIC instant (a request's start): now, less the time
    /// since then.
    static func unixTime(ofMonotonic instant: UInt64) -> UInt64 {
        let (monotonic, unix) = (nanoseconds(CLOCK_MONOTONIC), nanoseconds(CLOCK_REALTIME))
        return monotonic > instant ? unix &- Swift.min(unix, monotonic - instant) : unix
    }

    private static func nanoseconds(_ clock: clockid_t) -> UInt64 {
        var now = timespec()
        clock_gettime(clock, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }
}
