import Glibc
import Spans

/// Prints each span as one line on standard output — where spans go when no OTLP endpoint is set
/// (`--console-format json`: one JSON object per line instead):
/// `<time> <comm>[<pid>] <duration> <status> [rows=<n>] | <query text>`.
/// The reader thread prints spans where it builds them, one write per poll: they never cross to
/// another thread, so neither do the reference counts of the strings they share with the query
/// cache.
public final class ConsoleSink: SpanSink {
    private let fd: Int32
    private let format: ConsoleFormat
    private let counters: PipelineCounters
    /// What every resource carries besides the process's own (host.name, OTEL_RESOURCE_ATTRIBUTES).
    private let resources: OTLPRequestEncoder
    /// The JSON resource object of the last span's process: spans come in runs from one process.
    private var lastResource: (process: ObservedProcess, json: [UInt8])?
    /// The lines of one poll (the buffer keeps its room from poll to poll), how many spans they
    /// hold, and the date and time of the last line (reused while the second lasts).
    private var lines: [UInt8] = []
    private var spans = 0
    private var stamp = ConsoleLine.SecondStamp()

    /// `resources`: the shared resource attributes, as the OTLP export would send them (JSON only).
    public init(
        format: ConsoleFormat = .text, fd: Int32 = STDOUT_FILENO, resources: OTLPRequestEncoder = OTLPRequestEncoder(),
        counters: PipelineCounters
    ) {
        self.fd = fd
        self.format = format
        self.resources = resources
        self.counters = counters
    }

    public func accept(_ span: consuming DatabaseSpan) {
        // through a pointer: the span is read in place, not copied
        withUnsafePointer(to: span) { span in
            switch format {
            case .text: ConsoleLine.append(span, to: &lines, stamp: &stamp)
            case .json: JSONLine.append(span.pointee, resource: resource(span.pointee.process), to: &lines)
            }
        }
        spans += 1
    }

    /// The resource object of `process`'s spans.
    private func resource(_ process: ObservedProcess) -> [UInt8] {
        if let lastResource, lastResource.process === process { return lastResource.json }
        let json = JSONLine.object(resources.resourceAttributes(process))
        lastResource = (process, json)
        return json
    }

    /// Writes the poll's lines out, counts their spans as exported (or, when standard output
    /// refuses them, as undeliverable) and empties the buffer (keeping its room).
    @discardableResult
    public func endPoll() -> Int {
        let spans = self.spans
        guard spans > 0 else { return 0 }
        let delivered = lines.withUnsafeBytes { raw in
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
            counters.exported.add(spans, ordering: .relaxed)
        } else {
            counters.droppedUndeliverable.add(spans, ordering: .relaxed)
        }
        lines.removeAll(keepingCapacity: true)
        self.spans = 0
        return spans
    }

    public func finish() {
        endPoll()
    }
}
