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
    /// The series of recent (statement, target, status) combinations, in a small direct-mapped
    /// table: an application runs few statements many times, and telling the same analysis and
    /// target by identity (one cached object each) is far cheaper than hashing their strings.
    /// Two combinations in one slot just take turns. It grows with the process's series (at least
    /// four slots per series, up to 128), so a process with few requests keeps a small one.
    @exclusivity(unchecked) private var recent = [Recent](repeating: Recent(), count: 1 << 4)
    @exclusivity(unchecked) private var recentBits = 4
    /// 64 − recentBits: the hash's top bits pick the slot.
    @exclusivity(unchecked) private var recentShift: UInt = UInt(UInt.bitWidth - 4)
    /// The monotonic time of its last request.
    @exclusivity(unchecked) var lastMonotonic: UInt64

    private static let maxRecentBits = 7

    struct Recent {
        /// Compared on the hot path: plain integers (addresses; 0 for none), no reference counting.
        var targetAddress: UInt = 0
        var analysisAddress: UInt = 0
        var kind: DatabaseSpan.Kind = .client
        var hasStatus = false
        var index = 0
        /// Held, so that the addresses above stay theirs; and the status, compared when there is one.
        var target: ConnectionTarget?
        var analysis: QueryAnalysis?
        var statusCode: String?
        var errorType: String?
    }

    init(process: ObservedProcess, startMonotonic: UInt64) {
        self.process = process
        serviceName = process.resourceAttributes.first { $0.key == "service.name" }?.value.stringValue ?? process.command
        lastMonotonic = startMonotonic
    }

    /// The series of a request whose combination is in the recent table.
    @inline(__always)
    func recentIndex(
        kind: DatabaseSpan.Kind, analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget
    ) -> Int? {
        let targetAddress = Self.address(target)
        let analysisAddress = analysis.map { UInt(bitPattern: $0.identity) } ?? 0
        let hasStatus = statusCode != nil || errorType != nil
        return recent.withUnsafeBufferPointer { recent in
            let entry = recent.baseAddress! + slot(targetAddress, analysisAddress, kind)
            guard entry.pointee.targetAddress == targetAddress, entry.pointee.analysisAddress == analysisAddress,
                entry.pointee.kind == kind, entry.pointee.hasStatus == hasStatus
            else { return nil }
            if hasStatus && (entry.pointee.statusCode != statusCode || entry.pointee.errorType != errorType) { return nil }
            return entry.pointee.index
        }
    }

    /// Remembers that requests of this combination go to series `index`.
    func remember(
        kind: DatabaseSpan.Kind, analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget,
        index: Int
    ) {
        let targetAddress = Self.address(target)
        let analysisAddress = analysis.map { UInt(bitPattern: $0.identity) } ?? 0
        recent[slot(targetAddress, analysisAddress, kind)] = Recent(
            targetAddress: targetAddress, analysisAddress: analysisAddress, kind: kind,
            hasStatus: statusCode != nil || errorType != nil, index: index, target: target, analysis: analysis,
            statusCode: statusCode, errorType: errorType)
    }

    @inline(__always)
    private static func address(_ target: ConnectionTarget) -> UInt {
        UInt(bitPattern: Unmanaged.passUnretained(target).toOpaque())
    }

    /// A multiplicative hash of the two addresses (objects are 16-byte aligned, so their low bits
    /// say nothing) and the kind; its top bits pick the slot.
    @inline(__always)
    private func slot(_ target: UInt, _ analysis: UInt, _ kind: DatabaseSpan.Kind) -> Int {
        let mixed = ((target >> 4) &* 0x9E37_79B9_7F4A_7C15 ^ (analysis >> 4)) &* 0xBF58_476D_1CE4_E5B9 ^ (kind == .server ? 1 : 0)
        return Int(truncatingIfNeeded: (mixed &* 0x94D0_49BB_1331_11EB) &>> recentShift)
    }

    /// The series of `key`, made when it is new, beginning at `began` (Unix ns; its first
    /// request's start).
    func seriesIndex(_ key: OperationSeriesKey, options: OperationMetricsOptions, began: @autoclosure () -> UInt64) -> Int {
        let index: Int
        if let known = self.index[key] {
            index = known
        } else {
            index = series.count
            keys.append(key)
            series.append(SeriesState(options: options, startUnixNanoseconds: began()))
            if series.count * 4 > recent.count && recentBits < Self.maxRecentBits {
                recentBits += 1
                recentShift = UInt(UInt.bitWidth - recentBits)
                recent = [Recent](repeating: Recent(), count: 1 << recentBits)  // refilled as requests come
            }
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
