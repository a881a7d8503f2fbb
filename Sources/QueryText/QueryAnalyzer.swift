// Turns captured PostgreSQL query text into db.query.text, db.query.summary, db.operation.name,
// db.collection.name, db.stored_procedure.name and the batch size, fast enough for every statement.

/// Analyzes query texts, remembering the analysis of each query *shape* (the text with its literal
/// values removed), so the usual case — the same statements with different values — costs one
/// lexing pass, one hash and one comparison.
///
/// How a text is handled:
/// 1. `SQLLexer` splits it into tokens following PostgreSQL's scanner; `LiteralRedactor` marks every
///    literal (and IN-list of literals, and an unterminated or cut-off last token).
/// 2. The text with those redactions applied is the cache key: `QueryHash` picks the entry, a
///    byte-for-byte comparison confirms it. A hit returns the stored analysis (in `raw` mode, with
///    this call's text).
/// 3. On a miss, PostgreSQL's own scanner adds any literal it finds that the lexer did not (defence
///    in depth), PostgreSQL's grammar parses the text, and `StatementDescriber` and
///    `ConventionRules` turn the statements into attributes; the result is stored.
///
/// Text PostgreSQL does not accept (a syntax error, a capture cut mid-statement) keeps its
/// sanitized text — the lexer hides every quoted or numeric token and drops an unterminated tail,
/// never passing a literal through — and reports no summary, operation or names, because those come
/// from the parse tree only.
///
/// Not thread-safe: use one analyzer per thread (it reuses scratch buffers between calls). The
/// analyzers may run on several threads at once: libpg_query keeps its memory per thread.
public struct QueryAnalyzer {
    public let mode: QueryTextMode
    /// Longest `text` in bytes; longer texts are cut at the end of the last whole token that fits.
    public let maxLength: Int
    var cache: AnalysisCache
    let workspace = Workspace()
    private let seed = UInt64.random(in: .min ... .max)

    /// - Parameters:
    ///   - mode: what `text` carries.
    ///   - maxLength: the longest `text` in bytes (at least 1).
    ///   - cacheCapacity: the most query shapes remembered; 0 disables the cache.
    ///   - cacheByteLimit: the most bytes of keys and texts remembered.
    public init(mode: QueryTextMode = .sanitized, maxLength: Int = 2048, cacheCapacity: Int = 10_000, cacheByteLimit: Int = 32 << 20) {
        precondition(maxLength > 0, "maxLength must be positive")
        self.mode = mode
        self.maxLength = maxLength
        cache = AnalysisCache(capacity: cacheCapacity, byteLimit: cacheByteLimit)
    }

    /// Query shapes currently remembered.
    public var cachedShapes: Int { cache.count }

    /// Analyzes one query text as captured.
    /// - Parameter captureTruncated: the capture kept only the text's beginning, so its last token
    ///   may be incomplete (it is dropped) and `truncated` is set.
    public mutating func analyze(_ text: UnsafeRawBufferPointer, captureTruncated: Bool) -> QueryAnalysis {
        text.withMemoryRebound(to: UInt8.self) { analyze($0, captureTruncated: captureTruncated) }
    }

    public mutating func analyze<Bytes: Collection<UInt8>>(_ text: Bytes, captureTruncated: Bool) -> QueryAnalysis {
        if let result = text.withContiguousStorageIfAvailable({ analyze($0, captureTruncated: captureTruncated) }) {
            return result
        }
        return Array(text).withUnsafeBufferPointer { analyze($0, captureTruncated: captureTruncated) }
    }

    public mutating func analyze(_ text: String, captureTruncated: Bool = false) -> QueryAnalysis {
        var text = text
        return text.withUTF8 { analyze($0, captureTruncated: captureTruncated) }
    }

    public mutating func analyze(_ text: UnsafeBufferPointer<UInt8>, captureTruncated: Bool) -> QueryAnalysis {
        let workspace = self.workspace
        workspace.prepare(text, captureTruncated: captureTruncated)
        let key = workspace.key.bytes
        let hash = QueryHash.hash(key, seed: seed)
        if let cached = cache.lookup(hash: hash, key: key, captureTruncated: captureTruncated) {
            return withRawText(cached, text, captureTruncated: captureTruncated)
        }
        let analysis = buildAnalysis(text, captureTruncated: captureTruncated)
        cache.insert(hash: hash, key: workspace.key.bytes, captureTruncated: captureTruncated, analysis: analysis)
        return withRawText(analysis, text, captureTruncated: captureTruncated)
    }

    /// In `raw` mode the cached analysis has no text; this call's text goes in, cut between tokens.
    private func withRawText(_ analysis: QueryAnalysis, _ text: UnsafeBufferPointer<UInt8>, captureTruncated: Bool) -> QueryAnalysis {
        guard mode == .raw else { return analysis }
        var result = analysis
        let (kept, cut) = TokenBoundary.text(text, tokens: workspace.tokens, limit: maxLength)
        result.text = kept
        result.truncated = captureTruncated || cut
        return result
    }
}

@available(*, unavailable, message: "QueryAnalyzer reuses scratch buffers; give each thread its own")
extension QueryAnalyzer: Sendable {}
