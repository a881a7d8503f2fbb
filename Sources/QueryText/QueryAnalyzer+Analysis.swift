// The cache-miss path: PostgreSQL's scanner and parser, then the conventions' rules.

import ASCII
import SQLLexing

extension QueryAnalyzer {
    /// The analysis the cache stores for the text `workspace.prepare` just processed: with its
    /// sanitized text in `sanitized` mode, without text otherwise.
    func buildAnalysis(_ text: UnsafeBufferPointer<UInt8>, captureTruncated: Bool) -> QueryAnalysis {
        let workspace = self.workspace
        // What the sanitized text keeps: all of it but a dropped unterminated or cut-off last token.
        let kept = workspace.removedTail ? workspace.redactions[workspace.redactions.count - 1].start : text.count
        let keptText = UnsafeBufferPointer(rebasing: text[..<kept])
        if mode == .sanitized, let literals = PostgresScanner.literalRanges(workspace.nulTerminated(keptText)), !literals.isEmpty {
            workspace.alternateRedactions.removeAll()
            // libpg_query reports U&'…' strings with an empty range; the lexer's own token covers them.
            for literal in literals where literal.end > literal.start {
                workspace.alternateRedactions.append(Redaction(start: literal.start, end: literal.end, replacement: .placeholder))
            }
            LiteralRedactor.merge(workspace.alternateRedactions.buffer, into: workspace.redactions, spare: workspace.spareRedactions)
        }

        var analysis = QueryAnalysis(text: nil)
        var statementTexts: [[UInt8]] = []
        // A cut capture is parsed without its last token, which may be half a name: the tree would
        // report `pgbench_acc` for a capture cut inside `pgbench_accounts`. A complete text is parsed
        // whole, so `parsed` says what the server's parser said.
        let parsedText = captureTruncated ? keptText : text
        if let statements = PostgresParser.parse(workspace.nulTerminated(parsedText)) {
            let describer = StatementDescriber(text: text, tokens: workspace.tokens)
            let descriptions = statements.map(describer.describe)
            let attributes = ConventionRules.attributes(of: descriptions)
            analysis.summary = attributes.summary
            analysis.operation = attributes.operation
            analysis.collection = attributes.collection
            analysis.storedProcedure = attributes.storedProcedure
            analysis.batchSize = max(1, statements.count)
            analysis.deallocations = descriptions.flatMap(\.deallocations)
            if mode == .sanitized && statements.count > 1 {
                statementTexts = statements.map { sanitizedStatement(text, range: $0.range) }
            }
        } else {
            analysis.parsed = false
            analysis.batchSize = Self.statementCount(workspace.tokens, text)
        }

        guard mode == .sanitized else { return analysis }
        let output = workspace.output
        output.removeAll()
        if let first = statementTexts.first, statementTexts.allSatisfy({ $0 == first }) {
            // A batch of one statement repeated: its text stands for all of them.
            first.withUnsafeBufferPointer { output.append(contentsOf: $0) }
        } else {
            SanitizedTextWriter.write(text, range: 0..<text.count, redactions: workspace.redactions, into: output)
        }
        var lexer = SQLLexer()
        lexer.tokenize(output.buffer, into: workspace.alternateTokens)
        let (shown, cut) = TokenBoundary.text(output.buffer, tokens: workspace.alternateTokens, limit: maxLength)
        analysis.text = shown
        analysis.truncated = captureTruncated || workspace.removedTail || cut
        return analysis
    }

    /// One statement's sanitized text without surrounding whitespace or its `;`.
    private func sanitizedStatement(_ text: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> [UInt8] {
        let output = workspace.output
        output.removeAll()
        SanitizedTextWriter.write(text, range: range, redactions: workspace.redactions, into: output)
        var bytes = Array(output.buffer)
        while let last = bytes.last, ByteClass.of(last) == .space || last == .semicolon { bytes.removeLast() }
        let leading = bytes.prefix { ByteClass.of($0) == .space }.count
        return Array(bytes.dropFirst(leading))
    }

    /// Statements in text PostgreSQL did not parse: runs of tokens other than comments between `;`.
    static func statementCount(_ tokens: ScratchBuffer<SQLToken>, _ text: UnsafeBufferPointer<UInt8>) -> Int {
        var count = 0
        var inStatement = false
        for index in 0..<tokens.count {
            let token = tokens[index]
            if token.kind == .punctuation && text[token.start] == .semicolon {
                inStatement = false
            } else if token.kind != .comment && !inStatement {
                inStatement = true
                count += 1
            }
        }
        return max(1, count)
    }
}
