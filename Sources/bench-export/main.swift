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

/// A pgbench TPC-B–like request: each connection cycles through the transaction's five statements,
/// so a connection never repeats its previous statement.
func tpcbRecord(_ n: Int) -> CapturedRequest {
    let (aid, tid, bid) = (n * 7919 % 100_000, n % 10 + 1, 1)
    let (text, tag): (String, String) =
        switch n / 4 % 5 {
        case 0: ("UPDATE pgbench_accounts SET abalance = abalance + 17 WHERE aid = \(aid);", "UPDATE 1")
        case 1: ("SELECT abalance FROM pgbench_accounts WHERE aid = \(aid);", "SELECT 1")
        case 2: ("UPDATE pgbench_tellers SET tbalance = tbalance + 17 WHERE tid = \(tid);", "UPDATE 1")
        case 3: ("UPDATE pgbench_branches SET bbalance = bbalance + 17 WHERE bid = \(bid);", "UPDATE 1")
        default: ("INSERT INTO pgbench_history (tid, bid, aid, delta, mtime) VALUES (\(tid), \(bid), \(aid), 17, CURRENT_TIMESTAMP);", "INSERT 0 1")
        }
    var request = record(n)
    request.text = Array(text.utf8) + [0]
    request.textTotal = text.utf8.count
    request.tag = Array(tag.utf8) + [0]
    return request
}

func report(_ name: String, count: Int, wall: Double, cpu: Double, extra: String = "") {
    let perCore = Int(Double(count) / cpu)
    let micros = (cpu / Double(count) * 1e8).rounded() / 100
    print("\(name.padding(18))\(String(perCore).leftPadded(10)) spans/s per core  \(String(micros).leftPadded(7)) µs/span  \(extra)")
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}

// MARK: pipeline

/// Records → spans (through `observer` too, when given) → console lines, for `seconds`; returns
/// the CPU seconds per span.
@discardableResult
func pipeline(_ name: String, observer: OperationObserver?, records make: (Int) -> CapturedRequest = record) -> Double {
    let builder = SpanBuilder(observer: observer)
    let records = (0..<4096).map(make)
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
    let used = cpu() - cpu0
    report(name, count: count, wall: now() - wall0, cpu: used)
    return used / Double(count)
}

// the same work with and without request metrics, alternately, so they share the machine's state;
// the ratio is what metrics add to the user-space CPU per span. "-S": one statement per
// connection, repeated; "TPC-B": five statements in turn, so no request repeats its connection's last.
func threeDigits(_ value: Double) -> String { String((value * 1000).rounded() / 1000) }
for (workload, make) in [("-S", record), ("TPC-B", tpcbRecord)] as [(String, (Int) -> CapturedRequest)] {
    var ratios: [Double] = []
    for _ in 0..<5 {
        let without = pipeline("pipeline " + workload, observer: nil, records: make)
        let with = pipeline("+metrics " + workload, observer: OperationMetrics(), records: make)
        ratios.append(with / without)
    }
    print("pipeline+metrics / pipeline (\(workload)), CPU per span: \(ratios.map(threeDigits).joined(separator: " ")) (median \(threeDigits(ratios.sorted()[2])))")
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
