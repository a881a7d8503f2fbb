// One sqlcommenter comment found in captured SQL text: its decoded pairs and where it sits.

/// A sqlcommenter comment, e.g. the ` /*traceparent='00-…-01',tracestate='…'*/` an instrumented
/// client appends to its statements (https://google.github.io/sqlcommenter/spec/).
public struct SQLComment: Sendable, Hashable {
    /// One key/value pair, URL-decoded and unescaped.
    public struct Pair: Sendable, Hashable {
        public var key: String
        public var value: String

        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// The pairs in the order written (writers sort keys; readers must not rely on it).
    public let pairs: [Pair]

    /// UTF-8 byte offsets, from the start of the text, of the comment from `/*` through `*/`.
    public let commentRange: Range<Int>

    /// The bytes to remove to get the statement as the application wrote it: the comment plus the
    /// single space the writer put before it, or after it when the comment opens the text (the
    /// Java agent's prepend mode writes `/*…*/ SELECT …`).
    public let removalRange: Range<Int>

    /// The W3C traceparent the comment carries, when present and valid.
    public let traceParent: TraceParent?

    /// The W3C tracestate the comment carries. Nil when it is absent or malformed, and also when
    /// the traceparent is missing or invalid: a vendor that failed to parse traceparent "MUST NOT
    /// attempt to parse tracestate" (W3C Trace Context, "Tracestate Header").
    public let traceState: TraceState?

    /// A comment of these pairs; the trace context is read from them once, here.
    public init(pairs: [Pair], commentRange: Range<Int>, removalRange: Range<Int>) {
        self.pairs = pairs
        self.commentRange = commentRange
        self.removalRange = removalRange
        traceParent = Self.value(of: "traceparent", in: pairs).flatMap(TraceParent.init)
        traceState = traceParent == nil ? nil : Self.value(of: "tracestate", in: pairs).flatMap(TraceState.init)
    }

    /// The value of the last pair with exactly this key.
    public subscript(key: String) -> String? {
        pairs.last(where: { $0.key == key })?.value
    }

    /// The last value of a W3C header; header names are case-insensitive (W3C Trace Context,
    /// "Header Name"). `name` is lowercase.
    private static func value(of name: String, in pairs: [Pair]) -> String? {
        pairs.last(where: { pair in
            pair.key.utf8.count == name.utf8.count
                && zip(pair.key.utf8, name.utf8).allSatisfy { ($0 | 0x20) == $1 }
        })?.value
    }
}
