import Spans

/// One process's series in export form.
struct ProcessPoints {
    var process: ObservedProcess
    var points: [(key: OperationSeriesKey, point: ExportedPoint)]
}
