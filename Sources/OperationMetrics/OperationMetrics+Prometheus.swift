import Spans

extension OperationMetrics {
    /// The Prometheus text of the request metrics, cumulative, per service.
    public func prometheusText() -> String {
        PrometheusExposition.render(servicePoints(nowMonotonic: WallClock.monotonicNow()), options: options)
    }
}
