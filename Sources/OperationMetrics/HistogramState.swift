/// An explicit-bucket histogram's state: how many values fell in each bucket, their count, sum,
/// smallest and largest. Bucket i counts the values in (bounds[i-1], bounds[i]]; the last bucket
/// everything above the last bound (OpenTelemetry's and Prometheus' convention).
struct HistogramState: Equatable, Sendable {
    private(set) var bucketCounts: [UInt64]
    private(set) var count: UInt64 = 0
    private(set) var sum: Double = 0
    private(set) var min = Double.infinity
    private(set) var max = -Double.infinity

    init(bucketCount: Int) {
        bucketCounts = [UInt64](repeating: 0, count: bucketCount)
    }

    mutating func record(_ value: Double, bounds: [Double]) {
        var bucket = 0
        while bucket < bounds.count && value > bounds[bucket] { bucket += 1 }
        bucketCounts[bucket] += 1
        count += 1
        sum += value
        if value < min { min = value }
        if value > max { max = value }
    }

    /// Adds `other`'s values (another series merged into this one).
    mutating func add(_ other: HistogramState) {
        for index in bucketCounts.indices { bucketCounts[index] += other.bucketCounts[index] }
        count += other.count
        sum += other.sum
        if other.min < min { min = other.min }
        if other.max > max { max = other.max }
    }

    /// What was recorded since `earlier`, a copy of this state taken then. Its min and max are
    /// those of the whole life of the series: one export interval's own are not known.
    func since(_ earlier: HistogramState) -> HistogramState {
        var delta = self
        for index in bucketCounts.indices { delta.bucketCounts[index] -= earlier.bucketCounts[index] }
        delta.count -= earlier.count
        delta.sum -= earlier.sum
        return delta
    }
}
