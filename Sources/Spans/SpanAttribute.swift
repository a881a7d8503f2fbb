/// One span attribute (OTLP `KeyValue` with the value types Tusk uses).
public struct SpanAttribute: Sendable, Equatable {
    public enum Value: Sendable, Equatable {
        case string(String)
        case int(Int64)
        case bool(Bool)
        case double(Double)
        case strings([String])
    }

    public var key: String
    public var value: Value

    public init(_ key: String, _ value: Value) {
        self.key = key
        self.value = value
    }

    public static func string(_ key: String, _ value: String) -> SpanAttribute { SpanAttribute(key, .string(value)) }
    public static func int(_ key: String, _ value: Int64) -> SpanAttribute { SpanAttribute(key, .int(value)) }
    public static func bool(_ key: String, _ value: Bool) -> SpanAttribute { SpanAttribute(key, .bool(value)) }
}

extension SpanAttribute.Value {
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        if case .int(let value) = self { return value }
        return nil
    }
}
