/// A series' point in an export: its histograms over [start, time].
struct ExportedPoint {
    var duration: HistogramState
    var rows: HistogramState
    var startUnixNanoseconds: UInt64
    var timeUnixNanoseconds: UInt64
}
