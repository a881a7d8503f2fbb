import Foundation

/// One metric data point as the test OTLP receiver decoded it with the official
/// opentelemetry-proto package (GET /metrics-points), with its metric and resource.
public struct ReceivedMetricPoint: Decodable, Sendable {
    /// The /v1/metrics request it came in, counting from 0.
    public let requestIndex: Int
    public let resource: [String: AttributeValue]
    public let scopeName: String
    /// The metric's name and unit.
    public let name: String
    public let unit: String
    /// The metric's data case: histogram, sum, gauge, …
    public let type: String
    /// AggregationTemporality by its enum name (AGGREGATION_TEMPORALITY_CUMULATIVE, …); nil for a gauge.
    public let temporality: String?
    public let attributes: [String: AttributeValue]
    public let startTimeUnixNano: UInt64
    public let timeUnixNano: UInt64
    /// Histograms only.
    public let count: UInt64?
    public let sum: Double?
    public let bucketCounts: [UInt64]?
    public let explicitBounds: [Double]?
    public let min: Double?
    public let max: Double?
    /// Sums and gauges only.
    public let value: Double?

    /// An attribute value as the receiver spells it in JSON.
    public enum AttributeValue: Decodable, Sendable, Hashable, CustomStringConvertible {
        case string(String)
        case int(Int64)
        case double(Double)
        case bool(Bool)
        case other

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Int64.self) {
                self = .int(value)
            } else if let value = try? container.decode(Double.self) {
                self = .double(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else {
                self = .other
            }
        }

        public var description: String {
            switch self {
            case .string(let value): value
            case .int(let value): String(value)
            case .double(let value): String(value)
            case .bool(let value): String(value)
            case .other: "?"
            }
        }
    }

    enum CodingKeys: String, CodingKey {
        case requestIndex = "request_index", resource, scopeName = "scope_name", name, unit, type, temporality, attributes
        case startTimeUnixNano = "start_time_unix_nano", timeUnixNano = "time_unix_nano"
        case count, sum, bucketCounts = "bucket_counts", explicitBounds = "explicit_bounds", min, max, value
    }

    /// A resource attribute as text.
    public func resource(_ key: String) -> String? { resource[key]?.description }

    /// A point attribute as text.
    public func attribute(_ key: String) -> String? { attributes[key]?.description }
}
