import QueryText
import Spans
import Synchronization

/// Request metrics — db.client.operation.duration and db.client.response.returned_rows of the
/// OpenTelemetry semantic conventions, and Tusk's server-side counterparts — aggregated from
/// every request, sampled or not. One aggregation feeds both ways out: OTLP (per process, delta
/// or cumulative) and the Prometheus page (per service, cumulative).
///
/// The reader thread observes; exporters and scrapes read. Distinct db.query.summary values are
/// capped per service: past the cap, requests land in the service's overflow series. A process
/// idle for `idleProcessNanoseconds` is forgotten (its counts stay in its service's totals on the
/// Prometheus page), so process churn does not grow memory.
public final class OperationMetrics: OperationObserver, Sendable {
    public let options: OperationMetricsOptions
    private let state: Mutex<State>

    struct State {
        var processes: [ObjectIdentifier: ProcessSeries] = [:]
        var services: [String: ServiceSeries] = [:]
        /// Requests counted in an overflow series.
        var overflowed = 0
        var lastEvictionCheck: UInt64 = 0
        /// The process of the last request: requests come in runs from one process.
        var lastProcess: (id: ObjectIdentifier, series: ProcessSeries)?
    }

    public init(options: OperationMetricsOptions = .default) {
        self.options = options
        state = Mutex(State())
    }

    /// Requests counted in an overflow series because their service had too many summaries.
    public var overflowed: Int { state.withLock { $0.overflowed } }

    /// Processes and series held now (memory checks).
    public var seriesCount: (processes: Int, series: Int) {
        state.withLock { state in (state.processes.count, state.processes.values.reduce(0) { $0 + $1.series.count }) }
    }

    public func observe(
        kind: DatabaseSpan.Kind, durationNanoseconds: UInt64, endNanoseconds: UInt64, returnedRows: UInt64?,
        analysis: QueryAnalysis?, statusCode: String?, errorType: String?, target: ConnectionTarget, process observed: ObservedProcess
    ) {
        let id = ObjectIdentifier(observed)
        let duration = Double(durationNanoseconds) / 1e9
        let rows = returnedRows.map { Double($0) }
        state.withLock { state in
            let process: ProcessSeries
            if let last = state.lastProcess, last.id == id {
                process = last.series
            } else if let known = state.processes[id] {
                process = known
                state.lastProcess = (id, known)
            } else {
                if state.processes.count >= options.maxProcesses { forgetLongestIdle(&state) }
                process = ProcessSeries(process: observed, startMonotonic: endNanoseconds)
                state.processes[id] = process
                state.lastProcess = (id, process)
                evictIdle(&state, now: endNanoseconds)
            }
            process.lastMonotonic = endNanoseconds
            // the usual case: a statement, target and status seen recently
            if let index = process.recentIndex(
                kind: kind, analysis: analysis, statusCode: statusCode, errorType: errorType, target: target)
            {
                process.series[index].record(duration: duration, rows: rows, options: options)
                return
            }
            var key = OperationSeriesKey(kind: kind, analysis: analysis, statusCode: statusCode, errorType: errorType, target: target)
            if let summary = key.summary, process.index[key] == nil,
                !state.services[process.serviceName, default: ServiceSeries()].admit(summary, cap: options.maxSummariesPerService)
            {
                key = OperationSeriesKey(overflowOf: kind)
                state.overflowed += 1
            }
            let index = process.seriesIndex(
                key, options: options, began: SeriesState.unixTime(ofMonotonic: endNanoseconds &- durationNanoseconds))
            process.remember(
                kind: kind, analysis: analysis, statusCode: statusCode, errorType: errorType, target: target, index: index)
            process.series[index].record(duration: duration, rows: rows, options: options)
        }
    }

    /// Every process's series as OTLP exports them: cumulative (since each series began) or, when
    /// `delta`, what was recorded since the previous collection. Series with nothing to report
    /// are left out.
    func collect(delta: Bool, nowMonotonic: UInt64) -> [ProcessPoints] {
        state.withLock { state in
            evictIdle(&state, now: nowMonotonic)
            var collected: [ProcessPoints] = []
            for process in state.processes.values {
                let points = process.collect(delta: delta)
                if !points.isEmpty {
                    collected.append(ProcessPoints(process: process.process, points: points))
                }
            }
            return collected
        }
    }

    /// Takes back delta points an export could not deliver, so that the next export sends their
    /// counts: a backend that is down for a while loses nothing. The number of points taken back;
    /// those of a process forgotten meanwhile are lost.
    @discardableResult
    func unsend(_ collected: [ProcessPoints]) -> Int {
        state.withLock { state in
            var taken = 0
            for entry in collected {
                guard let process = state.processes[ObjectIdentifier(entry.process)] else { continue }
                for (key, point) in entry.points {
                    guard let index = process.index[key] else { continue }
                    process.series[index].unsend(point)
                    taken += 1
                }
            }
            return taken
        }
    }

    /// Cumulative series per service, every process's and the forgotten ones' together, as the
    /// Prometheus page shows them.
    func servicePoints(nowMonotonic: UInt64) -> [(service: String, key: OperationSeriesKey, series: SeriesState)] {
        state.withLock { state in
            evictIdle(&state, now: nowMonotonic)
            var merged: [ServiceSeriesKey: SeriesState] = [:]
            for (service, series) in state.services {
                for (key, retired) in series.retired {
                    merged[ServiceSeriesKey(service: service, key: key)] = retired
                }
            }
            for process in state.processes.values {
                for (index, key) in process.keys.enumerated() {
                    merged[ServiceSeriesKey(service: process.serviceName, key: key), default: SeriesState(options: options)]
                        .add(process.series[index])
                }
            }
            return merged.map { ($0.key.service, $0.key.key, $0.value) }
        }
    }

    /// Forgets processes idle for longer than the options say, at most once a second; their
    /// counts join their service's retired totals.
    private func evictIdle(_ state: inout State, now: UInt64) {
        guard now &- state.lastEvictionCheck > 1_000_000_000 else { return }
        state.lastEvictionCheck = now
        for (id, process) in state.processes where now > process.lastMonotonic && now - process.lastMonotonic > options.idleProcessNanoseconds {
            forget(id, process, &state)
        }
    }

    /// Forgets the process idle longest, to make room for a new one past `maxProcesses`.
    private func forgetLongestIdle(_ state: inout State) {
        guard let (id, process) = state.processes.min(by: { $0.value.lastMonotonic < $1.value.lastMonotonic }) else { return }
        forget(id, process, &state)
    }

    /// Folds a process's counts into its service's retired totals and drops its series.
    private func forget(_ id: ObjectIdentifier, _ process: ProcessSeries, _ state: inout State) {
        for (index, key) in process.keys.enumerated() {
            state.services[process.serviceName, default: ServiceSeries()].retired[key, default: SeriesState(options: options)]
                .add(process.series[index])
        }
        state.processes[id] = nil
        if state.lastProcess?.id == id { state.lastProcess = nil }
    }
}
