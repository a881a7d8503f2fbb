import Glibc
import QueryText
import Spans
import Testing

@testable import OperationMetrics

/// The aggregation behind the request metrics: every request in its series, the summary cap and
/// its overflow series, delta and cumulative collection, forgetting idle processes.
struct OperationMetricsTests {
    static let checkout = ObservedProcess(pid: 10, command: "python3", resourceAttributes: [.string("service.name", "checkout")])
    static let billing = ObservedProcess(pid: 11, command: "java", resourceAttributes: [.string("service.name", "billing")])

    static let target = ConnectionTarget(namespace: "shop", serverAddress: "10.0.0.5", serverPort: 5432)

    static func operation(
        _ summary: String?, ms: Double = 2, rows: UInt64? = nil, status: String? = nil, error: String? = nil,
        process: ObservedProcess = checkout, kind: DatabaseSpan.Kind = .client, end: UInt64 = 1_000_000_000
    ) -> ObservedOperation {
        let analysis = summary.map {
            QueryAnalysis(
                text: nil, summary: $0, operation: String($0.split(separator: " ")[0]),
                collection: $0.split(separator: " ").dropFirst().first.map(String.init))
        }
        return ObservedOperation(
            kind: kind, durationNanoseconds: UInt64(ms * 1_000_000), endNanoseconds: end, returnedRows: rows, analysis: analysis,
            statusCode: status, errorType: error, target: target, process: process)
    }

    static func cumulative(_ metrics: OperationMetrics) -> [String: (duration: HistogramState, rows: HistogramState)] {
        var out: [String: (duration: HistogramState, rows: HistogramState)] = [:]
        for process in metrics.collect(delta: false, nowMonotonic: 2_000_000_000) {
            for (key, point) in process.points {
                out["\(process.process.pid) \(key.summary ?? (key.overflow ? "overflow" : "-")) \(key.statusCode ?? "")"] = (point.duration, point.rows)
            }
        }
        return out
    }

    @Test func everyRequestLandsInItsSeries() throws {
        let metrics = OperationMetrics()
        for _ in 0..<5 { metrics.observe(Self.operation("SELECT orders", ms: 3, rows: 10)) }
        metrics.observe(Self.operation("SELECT orders", ms: 700, status: "42P01", error: "42P01"))
        metrics.observe(Self.operation("INSERT orders", ms: 0.5))
        metrics.observe(Self.operation("SELECT orders", ms: 1, process: Self.billing))
        let series = Self.cumulative(metrics)
        #expect(series.count == 4)
        let selects = try #require(series["10 SELECT orders "])
        #expect(selects.duration.count == 5)
        #expect(selects.duration.bucketCounts == [0, 5, 0, 0, 0, 0, 0, 0, 0, 0])  // (0.001, 0.005]
        #expect(abs(selects.duration.sum - 0.015) < 1e-12)
        #expect(selects.rows.count == 5 && selects.rows.sum == 50)
        #expect(series["10 SELECT orders 42P01"]?.duration.bucketCounts[6] == 1)  // (0.5, 1]
        #expect(series["10 SELECT orders 42P01"]?.rows.count == 0)
        #expect(series["10 INSERT orders "]?.duration.bucketCounts[0] == 1)
        #expect(series["11 SELECT orders "]?.duration.count == 1)
    }

    /// The recent-combinations table tells series apart by the identity of the analysis and the
    /// target: reused objects, more combinations than its slots, both kinds and statuses that
    /// differ only by code must still land every request in its own series.
    @Test func reusedStatementsAndTargetsLandInTheirOwnSeries() {
        let metrics = OperationMetrics()
        let analyses = (0..<300).map { QueryAnalysis(text: nil, summary: "SELECT t\($0)", operation: "SELECT", collection: "t\($0)") }
        let targets = [Self.target, ConnectionTarget(namespace: "shop", serverAddress: "10.0.0.6", serverPort: 5432)]
        let statuses: [(String?, String?)] = [(nil, nil), ("42P01", "42P01"), ("23505", "23505"), ("01000", nil)]
        var expected: [String: UInt64] = [:]
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<40_000 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            let draw = Int(truncatingIfNeeded: state >> 33)
            // mostly a few hot statements, sometimes any of the 300
            let analysis = analyses[draw % 4 == 0 ? draw / 4 % analyses.count : draw / 4 % 8]
            let target = targets[draw / 7 % 2]
            let (status, error) = statuses[draw / 11 % 4]
            let kind: DatabaseSpan.Kind = draw / 13 % 3 == 0 ? .server : .client
            metrics.observe(
                kind: kind, durationNanoseconds: 1_000_000, endNanoseconds: 1_000_000_000, returnedRows: nil, analysis: analysis,
                statusCode: status, errorType: error, target: target, process: Self.checkout)
            expected["\(kind) \(analysis.summary!) \(target.serverAddress!) \(status ?? "-") \(error ?? "-")", default: 0] += 1
        }
        var counted: [String: UInt64] = [:]
        for process in metrics.collect(delta: false, nowMonotonic: 2_000_000_000) {
            for (key, point) in process.points {
                counted["\(key.kind) \(key.summary!) \(key.serverAddress!) \(key.statusCode ?? "-") \(key.errorType ?? "-")"] = point.duration.count
            }
        }
        #expect(expected.count > 1000)
        let miscounted = expected.filter { counted[$0.key] != $0.value }.map { "\($0.key): \(counted[$0.key] ?? 0) of \($0.value)" }
        #expect(miscounted.isEmpty, "\(miscounted.count) series miscounted, e.g. \(miscounted.prefix(3))")
        #expect(Set(counted.keys) == Set(expected.keys))
    }

    /// Past the cap a service's new summaries share one overflow series; other services are not
    /// affected, and known summaries keep their series.
    @Test func summariesBeyondTheCapLandInTheOverflowSeries() {
        var options = OperationMetricsOptions.default
        options.maxSummariesPerService = 3
        let metrics = OperationMetrics(options: options)
        for table in ["a", "b", "c", "d", "e"] { metrics.observe(Self.operation("SELECT \(table)")) }
        metrics.observe(Self.operation("SELECT a"))
        metrics.observe(Self.operation("SELECT z", process: Self.billing))
        let series = Self.cumulative(metrics)
        #expect(series["10 SELECT a "]?.duration.count == 2)
        #expect(series["10 SELECT d "] == nil)
        #expect(series["10 overflow "]?.duration.count == 2)
        #expect(series["11 SELECT z "]?.duration.count == 1)
        #expect(metrics.overflowed == 2)
        let overflow = metrics.collect(delta: false, nowMonotonic: 2_000_000_000).flatMap(\.points).first { $0.key.overflow }
        #expect(overflow?.key.attributes == [.bool("otel.metric.overflow", true)])
    }

    /// 100 000 distinct summaries hold no more series than the cap allows.
    @Test func memoryStaysFlatUnderAHundredThousandDistinctSummaries() {
        let metrics = OperationMetrics()
        for n in 0..<100_000 { metrics.observe(Self.operation("SELECT t\(n)")) }
        #expect(metrics.seriesCount.series == OperationMetricsOptions.default.maxSummariesPerService + 1)
        #expect(metrics.overflowed == 100_000 - OperationMetricsOptions.default.maxSummariesPerService)
        let total = metrics.collect(delta: false, nowMonotonic: 2_000_000_000).flatMap(\.points).reduce(0) { $0 + $1.point.duration.count }
        #expect(total == 100_000)
    }

    @Test func deltaCollectionsHoldWhatCameSinceTheLastOne() {
        let metrics = OperationMetrics()
        metrics.observe(Self.operation("SELECT a", ms: 2))
        metrics.observe(Self.operation("SELECT a", ms: 2))
        let first = metrics.collect(delta: true, nowMonotonic: 1_500_000_000).flatMap(\.points)
        #expect(first.map(\.point.duration.count) == [2])
        #expect(metrics.collect(delta: true, nowMonotonic: 1_600_000_000).isEmpty, "nothing new: no point")
        metrics.observe(Self.operation("SELECT a", ms: 20))
        let second = metrics.collect(delta: true, nowMonotonic: 1_700_000_000).flatMap(\.points)
        #expect(second.map(\.point.duration.count) == [1])
        #expect(second.first.map { abs($0.point.duration.sum - 0.02) < 1e-12 } == true)
        #expect(second.first.map { $0.point.startUnixNanoseconds >= first.first!.point.timeUnixNanoseconds } == true)
        // cumulative still sees everything
        #expect(metrics.collect(delta: false, nowMonotonic: 1_800_000_000).flatMap(\.points).map(\.point.duration.count) == [3])
    }

    /// A series begins when its first request began, not when the agent read it: its first point's
    /// interval holds that request.
    @Test func aSeriesBeginsAtItsFirstRequestsStart() throws {
        func now(_ clock: clockid_t) -> UInt64 {
            var time = timespec()
            clock_gettime(clock, &time)
            return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
        }
        let metrics = OperationMetrics()
        let (monotonic, unix) = (now(CLOCK_MONOTONIC), now(CLOCK_REALTIME))
        // a request of 80 ms that ended 50 ms ago
        metrics.observe(
            kind: .client, durationNanoseconds: 80_000_000, endNanoseconds: monotonic - 50_000_000, returnedRows: nil,
            analysis: nil, statusCode: nil, errorType: nil, target: Self.target, process: Self.checkout)
        let point = try #require(metrics.collect(delta: false, nowMonotonic: monotonic).first?.points.first?.point)
        let expected = unix - 130_000_000
        #expect(point.startUnixNanoseconds <= expected + 5_000_000 && point.startUnixNanoseconds + 5_000_000 >= expected,
            "began \(Int64(bitPattern: point.startUnixNanoseconds &- expected)) ns after the request")
    }

    /// A delta export that was not delivered is taken back: the next one carries its counts from
    /// its start, so a backend that was down loses nothing.
    @Test func anUndeliveredDeltaGoesOutWithTheNextExport() throws {
        let metrics = OperationMetrics()
        for _ in 0..<3 { metrics.observe(Self.operation("SELECT a", ms: 2, rows: 4)) }
        let lost = metrics.collect(delta: true, nowMonotonic: 1_500_000_000)
        #expect(metrics.unsend(lost) == 1)
        metrics.observe(Self.operation("SELECT a", ms: 20, rows: 1))
        let next = try #require(metrics.collect(delta: true, nowMonotonic: 1_600_000_000).flatMap(\.points).first)
        let first = try #require(lost.first?.points.first)
        #expect(next.point.duration.count == 4)
        #expect(abs(next.point.duration.sum - 0.026) < 1e-12)
        #expect(next.point.rows.count == 4 && next.point.rows.sum == 13)
        #expect(next.point.startUnixNanoseconds == first.point.startUnixNanoseconds)
        #expect(metrics.collect(delta: true, nowMonotonic: 1_700_000_000).isEmpty, "sent once, not twice")
    }

    /// A process gone quiet is forgotten, but its counts stay in its service's totals on the
    /// Prometheus page (a counter that went down would read as a reset).
    @Test func idleProcessesAreForgottenWithoutLosingTheirServiceTotals() {
        var options = OperationMetricsOptions.default
        options.idleProcessNanoseconds = 5_000_000_000
        let metrics = OperationMetrics(options: options)
        let shortLived = ObservedProcess(pid: 77, command: "cron", resourceAttributes: [.string("service.name", "checkout")])
        metrics.observe(Self.operation("SELECT a", process: shortLived, end: 1_000_000_000))
        metrics.observe(Self.operation("SELECT a", end: 1_000_000_000))
        metrics.observe(Self.operation("SELECT a", end: 20_000_000_000))  // checkout (pid 10) stays busy
        #expect(metrics.collect(delta: false, nowMonotonic: 20_000_000_000).map(\.process.pid) == [10])
        let page = metrics.servicePoints(nowMonotonic: 20_000_000_000)
        #expect(page.count == 1)
        #expect(page.first?.series.duration.count == 3)
    }

    /// Many short-lived processes (a cron job every second): past the cap the one idle longest is
    /// forgotten, so memory stays bounded, and every request still counts in its service's totals.
    @Test func processesBeyondTheCapForgetTheLongestIdle() {
        var options = OperationMetricsOptions.default
        options.maxProcesses = 50
        let metrics = OperationMetrics(options: options)
        for pid in 0..<2_000 {
            let process = ObservedProcess(pid: Int32(1_000 + pid), command: "cron", resourceAttributes: [.string("service.name", "cron")])
            metrics.observe(Self.operation("SELECT a", process: process, end: 1_000_000_000 + UInt64(pid) * 1_000_000))
        }
        #expect(metrics.seriesCount.processes == 50)
        let exported = metrics.collect(delta: false, nowMonotonic: 3_000_000_000).map(\.process.pid)
        #expect(Set(exported) == Set((1_950..<2_000).map { Int32(1_000 + $0) }), "the 50 most recent processes")
        let page = metrics.servicePoints(nowMonotonic: 3_000_000_000)
        #expect(page.map(\.series.duration.count) == [2_000])
    }
}
