import Glibc
import Spans

/// Prints each span as one line on standard output — the exporter when no OTLP endpoint is set
/// (`--console-format json`: one JSON object per line instead):
/// `<time> <comm>[<pid>] <duration> <status> [rows=<n>] | <query text>`.
public struct ConsoleExporter: SpanExporter {
    private let fd: Int32
    private let format: ConsoleFormat
    private let counters: PipelineCounters

    public init(format: ConsoleFormat = .text, fd: Int32 = STDOUT_FILENO, counters: PipelineCounters) {
        self.fd = fd
        self.format = format
        self.counters = counters
    }

    public func export(_ spans: [DatabaseSpan]) async {
        var batch = ConsoleBatch()
        batch.bytes.reserveCapacity(spans.count * 160)
        spans.withUnsafeBufferPointer { spans in
            // through pointers: the spans are read in place, not copied
            for index in spans.indices { append(spans.baseAddress! + index, to: &batch) }
        }
        write(&batch)
    }

    /// Adds the line of `span` to `batch`. The reader thread prints spans this way where it builds
    /// them: they never cross to another thread, so neither do the reference counts of the strings
    /// they share with the query cache.
    public func append(_ span: UnsafePointer<DatabaseSpan>, to batch: inout ConsoleBatch) {
        switch format {
        case .text: ConsoleLine.append(span, to: &batch.bytes, stamp: &batch.stamp)
        case .json: JSONLine.append(span.pointee, to: &batch.bytes)
        }
        batch.spans += 1
    }

    /// Writes the batch out, counts its spans as exported (or, when standard output refuses them,
    /// as undeliverable) and empties it (keeping its room).
    public func write(_ batch: inout ConsoleBatch) {
        let delivered = batch.bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false  // stdout closed or unwritable: nothing else to do with these lines
                }
                offset += written
            }
            return true
        }
        if delivered {
            counters.exported.add(batch.spans, ordering: .relaxed)
        } else {
            counters.droppedUndeliverable.add(batch.spans, ordering: .relaxed)
        }
        batch.bytes.removeAll(keepingCapacity: true)
        batch.spans = 0
    }

    public func forceFlush() async {}
    public func shutdown() async {}
}
