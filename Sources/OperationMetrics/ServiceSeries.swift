/// What a service keeps beyond its processes: the summaries admitted under the cap, and the
/// totals of its forgotten processes.
struct ServiceSeries {
    private(set) var summaries: Set<String> = []
    var retired: [OperationSeriesKey: SeriesState] = [:]

    /// Whether requests with `summary` get a series of their own.
    mutating func admit(_ summary: String, cap: Int) -> Bool {
        if summaries.contains(summary) { return true }
        guard summaries.count < cap else { return false }
        summaries.insert(summary)
        return true
    }
}
