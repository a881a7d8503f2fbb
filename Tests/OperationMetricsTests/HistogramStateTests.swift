import Testing

@testable import OperationMetrics

/// Explicit buckets as OpenTelemetry and Prometheus count them: bucket i holds (bound[i-1], bound[i]].
struct HistogramStateTests {
    static let bounds: [Double] = [1, 2, 5]

    @Test func aValueOnABoundBelongsToThatBucket() {
        var histogram = HistogramState(bucketCount: 4)
        for value in [0.5, 1, 1.5, 2, 5, 5.01, 100] { histogram.record(value, bounds: Self.bounds) }
        #expect(histogram.bucketCounts == [2, 2, 1, 2])
        #expect(histogram.count == 7)
        #expect(histogram.sum == 0.5 + 1 + 1.5 + 2 + 5 + 5.01 + 100)
        #expect(histogram.min == 0.5 && histogram.max == 100)
    }

    @Test func whatCameSinceAnEarlierCopy() {
        var histogram = HistogramState(bucketCount: 4)
        histogram.record(1, bounds: Self.bounds)
        let earlier = histogram
        histogram.record(3, bounds: Self.bounds)
        histogram.record(3, bounds: Self.bounds)
        let delta = histogram.since(earlier)
        #expect(delta.bucketCounts == [0, 0, 2, 0])
        #expect(delta.count == 2 && delta.sum == 6)
    }

    @Test func addingMergesEveryBucketAndTheExtremes() {
        var a = HistogramState(bucketCount: 4)
        var b = HistogramState(bucketCount: 4)
        a.record(0.1, bounds: Self.bounds)
        b.record(9, bounds: Self.bounds)
        a.add(b)
        #expect(a.bucketCounts == [1, 0, 0, 1])
        #expect(a.count == 2 && a.min == 0.1 && a.max == 9)
    }
}
