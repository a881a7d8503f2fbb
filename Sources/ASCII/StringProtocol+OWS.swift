// Optional whitespace around a header or environment value: RFC 9110 `OWS`, spaces and tabs.

extension StringProtocol {
    /// The text without the spaces and horizontal tabs around it.
    @inlinable public var trimmingOWS: SubSequence {
        var text = self[...]
        while let first = text.first, first == " " || first == "\t" { text = text.dropFirst() }
        while let last = text.last, last == " " || last == "\t" { text = text.dropLast() }
        return text
    }
}
