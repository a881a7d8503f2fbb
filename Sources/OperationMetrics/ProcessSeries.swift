import QueryText
import Spans

/// The series of one observed process (one OTLP resource). A class: the reader records into it in
/// place. Every access happens under the aggregation's lock, so the hot properties skip Swift's
/// dynamic exclusivity checks.
final class ProcessSeries {
    let process: ObservedProcess
    /// Its service.name, which the summary cap and the Prometheus page group by.
    let serviceName: String
    var keys: [OperationSeriesKey] = []
    @exclusivity(unchecked) var series: [SeriesState] = []
    var index: [OperationSeriesKey: Int] = [:]
    /// Per connection (a slot chosen by the address of its target), the series of its last
    /// request: a connection mostly repeats its statements, and telling the same analysis and
    /// target by identity is far cheaper than hashing their strings. Two connections in one slot
    /// just take turns.
    @exclusivity(unchecked) private var repeats = [Repeat?](repeating: nil, count: 64)
    /// The monotonic time of its last request.
    @exclusivity(unchecked) var lastMonotonic: UInt64

    struct Repeat {
        /// Compared on the hot path: plain integers, no reference counting.
        var targetID: ObjectIdentifier
        var analysisID: ObjectIdentifier?
        var kind: DatabaseSpan.Kind
        var hasStatus: Bool
        var index: Int
        /// Held, so that the identities above stay theirs; and the status, compared when there is one.
        var target: ConnectionTarget
        var analysis: QueryAnalysis?
        var statusCode: String?
        var errorType: String?
    }

    init(process: ObservedProcess, startMonotonic: UInt64) {
        self.process = process
        serviceName = process.resourceAttributes.first { $0.key == "service.name" }?.value.stringValue ?? process.command
        lastMonotonic = startMonotonic
    }

    /// The series of a request when it repeats its connection's previous request.
    func repeatIndex(
        kind: DatabaseSpan.Kind, analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget
    ) -> Int? {
        let slot = Self.slot(target)
        guard let targetID = repeats[slot]?.targetID, targetID == ObjectIdentifier(target),
            repeats[slot]!.analysisID == analysis?.identity, repeats[slot]!.kind == kind
        else { return nil }
        let hasStatus = statusCode != nil || errorType != nil
        guard repeats[slot]!.hasStatus == hasStatus else { return nil }
        if hasStatus && (repeats[slot]!.statusCode != statusCode || repeats[slot]!.errorType != errorType) { return nil }
        return repeats[slot]!.index
    }

    /// Remembers that a request of `target`'s connection went to series `index`.
    func remember(
        kind: DatabaseSpan.Kind, analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget,
        index: Int
    ) {
        repeats[Self.slot(target)] = Repeat(
            targetID: ObjectIdentifier(target), analysisID: analysis?.identity, kind: kind,
            hasStatus: statusCode != nil || errorType != nil, index: index, target: target, analysis: analysis,
            statusCode: statusCode, errorType: errorType)
    }

    /// Objects are 16-byte aligned: the address bits above those pick the slot.
    private static func slot(_ target: ConnectionTarget) -> Int {
        Int(truncatingIfNeeded: UInt(bitPattern: Unmanaged.passUnretained(target).toOpaque()) >> 4) & 63
    }

    /// The series of `key`, made when it is new.
    func seriesIndex(_ key: OperationSeriesKey, options: OperationMetricsOptions) -> Int {
        let index: Int
        if let known = self.index[key] {
            index = known
        } else {
            index = series.count
            keys.append(key)
            series.append(SeriesState(options: options))
            self.index[key] = index
        }
        return index
    }

    /// Each series' export point (see `SeriesState.point`).
    func collect(delta: Bool) -> [(key: OperationSeriesKey, point: ExportedPoint)] {
        let now = SeriesState.unixNow()
        var points: [(key: OperationSeriesKey, point: ExportedPoint)] = []
        for index in series.indices {
            if let point = series[index].point(delta: delta, nowUnixNanoseconds: now) {
                points.append((keys[index], point))
            }
        }
        return points
    }
}
