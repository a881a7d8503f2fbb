// Turns a parsed statement into names as the application wrote them, using the lexer's tokens.

import ASCII
import SQLLexing

/// The parse tree knows *what* a statement does; the text knows how the application *spelled* it.
/// The conventions ask for the spelling ("capture the values of operations and targets as provided
/// by the application without attempting to do any case normalization"), so:
/// - an operation's words are looked up, in order, among the statement's word tokens and taken as
///   written (`select`, `CREATE TEMP TABLE` → `CREATE TABLE` with the written case of each word);
///   when the words are not in the text (`END` for COMMIT, `TABLE t` for SELECT) the canonical
///   upper-case words stand;
/// - a name is read at the location the tree records: in the summary each component appears as
///   written, quotes included (`"Order Items"`, `public.Orders`); in `db.collection.name` and
///   `db.stored_procedure.name` quoted components are unquoted per PostgreSQL (the tree's value)
///   and unquoted ones keep their written case;
/// - names without a location (DROP TABLE) use the tree's value, quoted in the summary when
///   PostgreSQL would need quotes to read it back.
struct StatementDescriber {
    let text: UnsafeBufferPointer<UInt8>
    let tokens: ScratchBuffer<SQLToken>

    func describe(_ statement: ParsedStatement) -> StatementDescription {
        var description = StatementDescription(operation: nil, summaryParts: [], collections: [], procedure: nil, deallocations: [])
        let upper = firstToken(atOrAfter: statement.range.upperBound)
        var cursor = firstToken(atOrAfter: statement.range.lowerBound)
        let statementStart = cursor
        var targetsOfOperation: [String] = []
        for item in statement.items {
            switch item {
            case let .operation(name, topLevel):
                let spelled: String?
                if let name {
                    spelled = spell(name, cursor: &cursor, upper: upper) ?? name
                } else {
                    spelled = firstWord(from: statementStart, upper: upper)
                }
                guard let spelled else { continue }
                description.summaryParts.append(spelled)
                targetsOfOperation = []
                if topLevel && description.operation == nil { description.operation = spelled }
            case let .collection(name), let .otherTarget(name), let .procedure(name):
                let (written, value) = names(name)
                if !targetsOfOperation.contains(written) {
                    targetsOfOperation.append(written)
                    description.summaryParts.append(written)
                }
                switch item {
                case .procedure where description.procedure == nil: description.procedure = value
                case .collection where !description.collections.contains(value): description.collections.append(value)
                default: break
                }
            case let .deallocation(deallocation):
                description.deallocations.append(deallocation)
            }
        }
        return description
    }

    // MARK: operations

    /// Finds `canonical`'s words among word tokens from `cursor`: the first word anywhere before
    /// `upper`, each following word within the next few tokens (for `CREATE UNIQUE INDEX`,
    /// `CREATE OR REPLACE VIEW`). Advances `cursor` past the first word when found.
    private func spell(_ canonical: String, cursor: inout Int, upper: Int) -> String? {
        let words = canonical.utf8.split(separator: .space)
        var candidate = cursor
        while candidate < upper {
            defer { candidate += 1 }
            guard matches(tokens[candidate], words[0]) else { continue }
            var spelled = [candidate]
            var position = candidate
            for word in words.dropFirst() {
                guard let found = (position + 1..<min(upper, position + 5)).first(where: { matches(tokens[$0], word) }) else { break }
                spelled.append(found)
                position = found
            }
            guard spelled.count == words.count else { continue }
            cursor = candidate + 1
            return spelled.map { string(tokens[$0]) }.joined(separator: " ")
        }
        return nil
    }

    private func matches(_ token: SQLToken, _ word: Substring.UTF8View) -> Bool {
        guard token.kind == .word, token.end - token.start == word.count else { return false }
        var offset = token.start
        for byte in word {
            // ASCII case-insensitive: canonical words are upper-case letters.
            guard text[offset] & 0xDF == byte else { return false }
            offset += 1
        }
        return true
    }

    private func firstWord(from lower: Int, upper: Int) -> String? {
        (lower..<upper).first { tokens[$0].kind == .word }.map { string(tokens[$0]) }
    }

    // MARK: names

    /// (as written for the summary, resolved for the attribute).
    private func names(_ name: QualifiedName) -> (written: String, value: String) {
        if let location = name.location, let written = writtenComponents(at: location), written.count == name.components.count {
            let summary = written.map { string($0) }.joined(separator: ".")
            let value = zip(written, name.components).map { $0.kind == .word ? string($0) : $1 }.joined(separator: ".")
            return (summary, value)
        }
        return (name.components.map(Self.quotedIfNeeded).joined(separator: "."), name.components.joined(separator: "."))
    }

    /// The tokens `a`, `"b"` of `a."b"` starting at byte `location`.
    private func writtenComponents(at location: Int) -> [SQLToken]? {
        var index = firstToken(atOrAfter: location)
        guard index < tokens.count, tokens[index].start == location, isNamePart(tokens[index]) else { return nil }
        var components = [tokens[index]]
        while index + 2 < tokens.count, tokens[index + 1].kind == .punctuation, text[tokens[index + 1].start] == .dot,
              isNamePart(tokens[index + 2]) {
            components.append(tokens[index + 2])
            index += 2
        }
        return components
    }

    private func isNamePart(_ token: SQLToken) -> Bool { token.kind == .word || token.kind == .quotedIdentifier }

    /// A name PostgreSQL reads back unchanged without quotes: lower-case letters, digits, `_`, `$`,
    /// not starting with a digit or `$`. (Reserved words are not checked.)
    static func quotedIfNeeded(_ name: String) -> String {
        let plain = !name.isEmpty && name.utf8.enumerated().allSatisfy { index, byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), .underscore, 0x80...0xFF: return true
            case UInt8(ascii: "0")...UInt8(ascii: "9"), .dollar: return index > 0
            default: return false
            }
        }
        return plain ? name : "\"" + name.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }

    // MARK: tokens

    private func firstToken(atOrAfter offset: Int) -> Int {
        var low = 0
        var high = tokens.count
        while low < high {
            let middle = (low + high) / 2
            if tokens[middle].start < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }

    private func string(_ token: SQLToken) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: text[token.start..<token.end]), as: UTF8.self)
    }
}
