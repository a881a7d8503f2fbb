// Throughput of Tusk's user space, one core, side by side in one run:
//   pipeline  captured records → spans (sanitized text, cached analysis) → console lines; and the
//             same with request metrics recorded for every request, side by side
//   encode    spans → OTLP ExportTraceServiceRequest bytes (and gzip), bytes per span; and the
//             same request built as generated SwiftProtobuf messages, side by side
//   export    spans → OTLP/HTTP POSTs to a local server that discards the bodies
// Usage: bench-export [seconds per case, default 3]
import KernelRecords
import CompressNIO
import Export
import Glibc
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import OperationMetrics
import Spans

let seconds = CommandLine.arguments.count > 1 ? Double(CommandLine.arguments[1]) ?? 3 : 3

func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// CPU seconds this process used (all threads).
func cpu() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// A pgbench -S–like request as the kernel would record it (literal varies per request).
func record(_ n: Int) -> CapturedRequest {
    CapturedRequest(
        kind: .query, startNanoseconds: 1_000_000_000 + UInt64(n) * 10_000, endNanoseconds: 1_000_000_000 + UInt64(n) * 10_000 + 60_000,
        responseNanoseconds: 1_000_000_000 + UInt64(n) * 10_000 + 50_000, connectionID: UInt64(n % 4 + 1), pid: 4242, tid: 4242,
        fd: 5, sequence: UInt32(n), rows: 1, dataRows: 1, completedCommands: 1, transactionStatus: UInt8(ascii: "I"),
        socket: .inet(local: [127, 0, 0, 1], localPort: 40000, peer: [127, 0, 0, 1], peerPort: 5432), threadName: "pgbench",
        text: Array("SELECT abalance FROM pgbench_accounts WHERE aid = \(n * 7919 % 1_000_000);".utf8) + [0],
        textTotal: 60, tag: Array("SELECT 1".utf8) + [0])
}

func report(_ name: String, count: Int, wall: Double, cpu: Double, extra: String = "") {
    let perCore = Int(Double(count) / cpu)
    let micros = (cpu / Double(count) * 1e8).rounded() / 100
    print("\(name.padding(17))\(String(perCore).leftPadded(10)) spans/s per core  \(String(micros).leftPadded(7)) µs/span  \(extra)")
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

// MARK: pipeline

/// Records → spans (through `observer` too, when given) → console lines, for `seconds`.
func pipeline(_ name: String, observer: OperationObserver?) {
    let builder = SpanBuilder(observer: observer)
    let records = (0..<4096).map(record)
    for r in records.prefix(64) { _ = builder.span(for: r) }  // warm the caches
    var out: [UInt8] = []
    out.reserveCapacity(1 << 20)
    var count = 0
    let (wall0, cpu0) = (now(), cpu())
    while now() - wall0 < seconds {
        for r in records {
            if let span = builder.span(for: r) { ConsoleLine.append(span, to: &out) }
            count += 1
        }
        out.removeAll(keepingCapacity: true)
    }
    report(name, count: count, wall: now() - wall0, cpu: cpu() - cpu0)
}

// the same work with and without request metrics, alternately, so they share the machine's state
for _ in 0..<2 {
    pipeline("pipeline", observer: nil)
    pipeline("pipeline+metrics", observer: OperationMetrics())
}

// MARK: encode

let spans: [DatabaseSpan] = {
    let builder = SpanBuilder()
    return (0..<512).compactMap { builder.span(for: record($0)) }
}()
let encoder = OTLPRequestEncoder(sharedResourceAttributes: [.string("host.name", "bench")])

do {
    var count = 0
    var bytes = 0
    let (wall0, cpu0) = (now(), cpu())
    while now() - wall0 < seconds {
        bytes = encoder.encode(spans).count
        count += spans.count
    }
    var body = ByteBuffer(bytes: encoder.encode(spans))
    let gzip = try body.compress(with: .gzip()).readableBytes
    report("encode", count: count, wall: now() - wall0, cpu: cpu() - cpu0,
           extra: "\(bytes / spans.count) bytes/span (\(gzip / spans.count) gzipped)")
}

// the same request through the generated messages: what the direct writer saves
do {
    var count = 0
    let (wall0, cpu0) = (now(), cpu())
    while now() - wall0 < seconds {
        let bytes: [UInt8] = try encoder.request(for: spans).serializedBytes()
        precondition(!bytes.isEmpty)
        count += spans.count
    }
    report("encode-generated", count: count, wall: now() - wall0, cpu: cpu() - cpu0, extra: "(SwiftProtobuf messages, the reference)")
}

// MARK: export

final class Discard: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Length", value: "0")
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
    }
}

let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
    .childChannelInitializer { channel in
        channel.pipeline.configureHTTPServerPipeline().flatMap { channel.pipeline.addHandler(Discard()) }
    }
    .bind(host: "127.0.0.1", port: 0).get()
let port = server.localAddress!.port!
let counters = PipelineCounters()
let exporter = try OTLPHTTPExporter(
    options: OTLPExporterOptions(url: "http://127.0.0.1:\(port)/v1/traces", userAgent: "tusk-bench"),
    encoder: encoder, counters: counters, logger: Logger(label: "bench"), clock: ContinuousClock())
do {
    var count = 0
    let (wall0, cpu0) = (now(), cpu())
    while now() - wall0 < seconds {
        await exporter.export(spans)
        count += spans.count
    }
    // the receiver runs in this process too: cpu covers both ends
    report("export", count: count, wall: now() - wall0, cpu: cpu() - cpu0,
           extra: "\(Int(Double(count) / (now() - wall0))) spans/s wall, \(counters.exported.load(ordering: .relaxed)) exported")
}
await exporter.shutdown()
try await server.close().get()
