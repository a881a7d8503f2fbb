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
        var buffer: [UInt8] = []
        buffer.reserveCapacity(spans.count * 160)
        var stamp = ConsoleLine.SecondStamp()
        spans.withUnsafeBufferPointer { spans in
            // through pointers: the spans are read in place, not copied
            for index in spans.indices {
                switch format {
                case .text: ConsoleLine.append(spans.baseAddress! + index, to: &buffer, stamp: &stamp)
                case .json: JSONLine.append(spans[index], to: &buffer)
                }
            }
        }
        buffer.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return  // stdout closed: nothing sensible to do
                }
                offset += written
            }
        }
        counters.exported.add(spans.count, ordering: .relaxed)
    }

    public func forceFlush() async {}
    public func shutdown() async {}
}
