import Agent
import Export
import Logging
import ServiceLifecycle
import Spans

extension RunCommand {
    /// The capture service handing spans to `sink`: with hops joined (`--side both`), through a
    /// hop joiner first.
    static func captureService<Source: RecordSource, Sink: SpanSink>(
        source: Source, builder: SpanBuilder, sink: Sink, hops: HopJoiner.Options?, hopCounters: HopJoinCounters,
        health: HealthState, stats: CaptureStats, logger: Logger, watchdog: ParentWatchdog?
    ) -> any Service {
        guard let hops else {
            return CaptureService(
                source: source, builder: builder, sink: sink, health: health, stats: stats, logger: logger, watchdog: watchdog)
        }
        return CaptureService(
            source: source, builder: builder, sink: HopJoinSink(inner: sink, options: hops, counters: hopCounters),
            health: health, stats: stats, logger: logger, watchdog: watchdog)
    }
}
