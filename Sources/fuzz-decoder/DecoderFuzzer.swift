// What one fuzzer input goes through: every decoder of captured bytes, then span builders — one
// fresh per input (a crash reproduces from that input alone) and two that live across inputs
// (statement maps, evictions and caches in the states only a long run reaches).

import KernelRecords
import QueryText
import Spans
import TraceContext
import Wire

final class DecoderFuzzer {
    /// Small bounds, so that eviction happens within a few records; raw text cut at 64 bytes.
    private let smallRaw = SpanBuilder(
        options: SpanBuilder.Options(
            maxStatementsPerConnection: 3, maxConnections: 2, queryText: .raw, maxQueryLength: 64,
            sampler: SamplerConfiguration(kind: .parentBasedTraceIDRatio, ratio: 0.5)),
        clock: WallClock(offsetNanoseconds: 1_795_000_000_000_000_000), ids: IDGenerator(seed: 1))
    private let largeSanitized = SpanBuilder(
        options: SpanBuilder.Options(
            maxStatementsPerConnection: 16, maxConnections: 8, queryText: .sanitized, maxQueryLength: 2048,
            sampler: .default),
        clock: WallClock(offsetNanoseconds: -1), ids: IDGenerator(seed: 2))
    private var sanitized = QueryAnalyzer(mode: .sanitized, maxLength: 256)
    private var raw = QueryAnalyzer(mode: .raw, maxLength: 48)
    private var off = QueryAnalyzer(mode: .off, maxLength: 1)

    /// The input as a run of kernel record images, then as a run of compact records.
    func run(_ input: [UInt8]) {
        decode(input)
        let perInput = SpanBuilder(
            options: SpanBuilder.Options(
                maxStatementsPerConnection: 2, maxConnections: 2, queryText: .sanitized, maxQueryLength: 128,
                sampler: SamplerConfiguration(kind: .alwaysOn)),
            clock: WallClock(offsetNanoseconds: 0), ids: IDGenerator(seed: 3))
        for record in Self.recordImages(input) + Self.compactRecords(input) {
            decode(record)
            build(record, perInput, mode: .sanitized, maxQueryLength: 128)
            build(record, smallRaw, mode: .raw, maxQueryLength: 64)
            build(record, largeSanitized, mode: .sanitized, maxQueryLength: 2048)
        }
    }

    /// `struct tusk_record` images back to back, each followed by its text, as the ring buffer
    /// delivers them; an image that does not decode is skipped whole.
    static func recordImages(_ input: [UInt8]) -> [CapturedRequest] {
        var records: [CapturedRequest] = []
        var offset = 0
        input.withUnsafeBytes { bytes in
            while bytes.count - offset >= RecordDecoder.headerSize {
                let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
                if let record = RecordDecoder.decode(rest) {
                    records.append(record)
                    offset += RecordDecoder.headerSize + record.text.count
                } else {
                    offset += RecordDecoder.headerSize
                }
            }
        }
        return records
    }

    static func compactRecords(_ input: [UInt8]) -> [CapturedRequest] {
        var reader = ByteReader(input)
        var records: [CapturedRequest] = []
        while !reader.isAtEnd {
            records.append(CompactRecord.decode(&reader))
        }
        return records
    }

    // MARK: - decoders

    private func decode(_ record: CapturedRequest) {
        decodeBody(record.errorFields)
        decodeBody(record.names)
        decodeBody(record.tag)
        _ = TagSummary(record.tag)
        _ = StartupParameters(body: record.text).applicationName
        if let parse = ParseBody(body: record.text) { analyze(parse.query, truncated: parse.queryTruncated) }
        analyze(record.text, truncated: record.flags.contains(.textTruncated))
        if case .inet(let local, _, let peer, _) = record.socket {
            _ = SocketAddress.format(local) + SocketAddress.format(peer)
        }
    }

    /// Every decoder on the same bytes: each must take anything.
    private func decode(_ bytes: [UInt8]) {
        decodeBody(bytes)
        analyze(bytes, truncated: false)
        analyze(bytes, truncated: true)
        let text = String(decoding: bytes, as: UTF8.self)
        _ = TraceParent(text)?.headerValue
        _ = TraceState(text)?.member("ot")
        let (sampler, argument) = Self.split(bytes)
        _ = try? SamplerConfiguration.parse(sampler: sampler, argument: argument)
        for length in [4, 16, bytes.count] { _ = SocketAddress.format(Array(bytes.prefix(length))) }
    }

    private func decodeBody(_ bytes: [UInt8]) {
        let fields = ErrorFields(body: bytes)
        _ = (fields.isError, fields.isWarning)
        _ = TagSummary(bytes)
        let startup = StartupParameters(body: bytes)
        _ = (startup.user, startup.database, startup.applicationName)
        _ = ParseBody(body: bytes)
        _ = PortalNames.bind(bytes)
        _ = PortalNames.execute(bytes)
        _ = PortalNames.target(bytes)
    }

    private func analyze(_ text: [UInt8], truncated: Bool) {
        if let comment = SQLCommenter.parse(text) {
            let stripped = comment.removed(from: text)
            precondition(stripped.count < text.count, "removing a comment did not shorten the text")
            _ = (comment.traceParent?.headerValue, comment.traceState?.value, comment["traceparent"])
            for pair in comment.pairs {
                _ = TraceParent(pair.value)
                _ = TraceState(pair.value)?.explicitRandomness
            }
        }
        for (mode, limit) in [(QueryTextMode.sanitized, sanitized.maxLength), (.raw, raw.maxLength), (.off, off.maxLength)] {
            let analysis: QueryAnalysis
            switch mode {
            case .sanitized: analysis = sanitized.analyze(text, captureTruncated: truncated)
            case .raw: analysis = raw.analyze(text, captureTruncated: truncated)
            case .off: analysis = off.analyze(text, captureTruncated: truncated)
            }
            check(analysis, mode: mode, maxLength: limit)
            _ = QueryAnalysis.spanName(analysis, namespace: "db", serverAddress: "::1", serverPort: 5432)
            _ = QueryAnalysis.spanName(analysis, namespace: nil, serverAddress: nil, serverPort: nil)
        }
    }

    private func check(_ analysis: QueryAnalysis, mode: QueryTextMode, maxLength: Int) {
        precondition(analysis.batchSize >= 1, "batch size below 1")
        switch mode {
        case .off: precondition(analysis.text == nil, "text in mode off")
        case .sanitized, .raw:
            let text = analysis.text ?? ""
            precondition(text.utf8.count <= maxLength, "text longer than maxLength")
        }
        if !analysis.parsed { precondition(analysis.summary == nil && analysis.operation == nil, "names without a parse") }
    }

    /// Sampler name and argument: the input up to its first NUL, and after it.
    private static func split(_ bytes: [UInt8]) -> (String, String) {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let rest = end < bytes.endIndex ? bytes[(end + 1)...] : []
        return (String(decoding: bytes[..<end], as: UTF8.self), String(decoding: rest, as: UTF8.self))
    }

    // MARK: - spans

    private func build(_ record: CapturedRequest, _ builder: SpanBuilder, mode: QueryTextMode, maxQueryLength: Int) {
        guard let span = builder.span(for: record) else { return }
        precondition(span.traceID.isValid && span.spanID.isValid, "invalid id")
        precondition(span.parentIsRemote == (span.parentSpanID != nil), "remote parent without a parent id")
        precondition(span.parentSpanID?.isValid ?? true, "zero parent span id")
        precondition(span.traceFlags & ~0x03 == 0, "unknown trace flags passed on")
        precondition(!span.name.isEmpty, "empty span name")
        if case .string(let text)? = span["db.query.text"] {
            precondition(mode != .off, "text in mode off")
            precondition(text.utf8.count <= maxQueryLength, "db.query.text longer than the limit")
        }
    }
}
