/// Reads a query's text: its operation keyword, and whether it deallocates prepared statements.
/// Applications repeat their statements, so descriptions are cached by text.
struct QueryDescriber {
    private var cache: [[UInt8]: QueryDescription] = [:]
    private let cacheLimit = 4096

    mutating func describe(_ bytes: [UInt8]) -> QueryDescription {
        if let cached = cache[bytes] { return cached }
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let text = String(decoding: bytes[..<end], as: UTF8.self)
        let description = QueryDescription(text: text, operation: firstKeyword(bytes[..<end]))
        if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
        cache[bytes] = description
        return description
    }

    /// `DEALLOCATE [PREPARE] name | ALL`
    func isDeallocate(_ bytes: [UInt8]) -> Bool {
        firstKeyword(bytes[...]) == "DEALLOCATE"
    }

    /// The name a DEALLOCATE names; nil for ALL.
    func deallocatedName(_ bytes: [UInt8]) -> String? {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let words = String(decoding: bytes[..<end], as: UTF8.self)
            .split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" || $0 == ";" })
            .map(String.init)
        var rest = words.dropFirst()
        if rest.first?.uppercased() == "PREPARE" { rest = rest.dropFirst() }
        guard let name = rest.first, name.uppercased() != "ALL" else { return nil }
        return name.hasPrefix("\"") && name.hasSuffix("\"") && name.count >= 2 ? String(name.dropFirst().dropLast()) : name.lowercased()
    }

    /// The first word of the statement, skipping whitespace, comments and parentheses.
    private func firstKeyword(_ bytes: ArraySlice<UInt8>) -> String? {
        var i = bytes.startIndex
        while i < bytes.endIndex {
            let c = bytes[i]
            if c == 0x20 || c == 0x09 || c == 0x0a || c == 0x0d || c == UInt8(ascii: "(") {
                i += 1
            } else if c == UInt8(ascii: "-"), i + 1 < bytes.endIndex, bytes[i + 1] == UInt8(ascii: "-") {
                while i < bytes.endIndex && bytes[i] != 0x0a { i += 1 }
            } else if c == UInt8(ascii: "/"), i + 1 < bytes.endIndex, bytes[i + 1] == UInt8(ascii: "*") {
                i += 2
                while i + 1 < bytes.endIndex && !(bytes[i] == UInt8(ascii: "*") && bytes[i + 1] == UInt8(ascii: "/")) { i += 1 }
                i += 2
            } else {
                break
            }
        }
        var end = i
        while end < bytes.endIndex, isLetter(bytes[end]) { end += 1 }
        guard end > i else { return nil }
        return String(decoding: bytes[i..<end], as: UTF8.self).uppercased()
    }

    private func isLetter(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z")) || c == UInt8(ascii: "_")
    }
}
