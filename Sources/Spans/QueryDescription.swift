/// What a query's text says about it, for attributes and the span name.
public struct QueryDescription: Sendable, Equatable {
    /// The text to export.
    public var text: String
    /// The first operation keyword, upper-cased (SELECT, INSERT, …).
    public var operation: String?

    public init(text: String, operation: String?) {
        self.text = text
        self.operation = operation
    }
}
