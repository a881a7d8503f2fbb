import Spans

/// The request metrics as Prometheus text (exposition format 0.0.4), named the way OpenTelemetry
/// maps to Prometheus: dots become underscores, the unit `s` becomes a `_seconds` suffix,
/// histograms become `_bucket{le=…}` (cumulative over the bounds), `_sum` and `_count`; the
/// resource's service.name becomes a `service_name` label.
enum PrometheusExposition {
    struct Family {
        var name: String
        var help: String
        var kind: DatabaseSpan.Kind
        /// The rows histogram instead of the duration one.
        var rows: Bool
    }

    static let families = [
        Family(
            name: "db_client_operation_duration_seconds", help: "Duration of database client operations.", kind: .client,
            rows: false),
        Family(
            name: "db_client_response_returned_rows", help: "The actual number of records returned by the database operation.",
            kind: .client, rows: true),
        Family(
            name: "tusk_db_server_operation_duration_seconds",
            help: "Duration of database operations seen at the PostgreSQL backend.", kind: .server, rows: false),
        Family(
            name: "tusk_db_server_response_returned_rows", help: "Rows returned by operations seen at the PostgreSQL backend.",
            kind: .server, rows: true),
    ]

    static func render(_ points: [(service: String, key: OperationSeriesKey, series: SeriesState)], options: OperationMetricsOptions)
        -> String
    {
        let ordered = points.sorted { ($0.service, $0.key.sortKey) < ($1.service, $1.key.sortKey) }
        var text = ""
        for family in families {
            let bounds = family.rows ? options.rowBuckets : options.durationBuckets
            var lines = ""
            for point in ordered where point.key.kind == family.kind {
                let histogram = family.rows ? point.series.rows : point.series.duration
                guard histogram.count > 0 else { continue }
                let labels = labelText(service: point.service, key: point.key)
                var cumulative: UInt64 = 0
                for (index, bound) in bounds.enumerated() {
                    cumulative += histogram.bucketCounts[index]
                    lines += "\(family.name)_bucket{\(labels),le=\"\(number(bound))\"} \(cumulative)\n"
                }
                lines += "\(family.name)_bucket{\(labels),le=\"+Inf\"} \(histogram.count)\n"
                lines += "\(family.name)_sum{\(labels)} \(number(histogram.sum))\n"
                lines += "\(family.name)_count{\(labels)} \(histogram.count)\n"
            }
            guard !lines.isEmpty else { continue }
            text += "# HELP \(family.name) \(family.help)\n# TYPE \(family.name) histogram\n" + lines
        }
        return text
    }

    static func labelText(service: String, key: OperationSeriesKey) -> String {
        var labels = ["service_name=\"\(escape(service))\""]
        for attribute in key.attributes {
            let value: String
            switch attribute.value {
            case .string(let text): value = text
            case .int(let number): value = String(number)
            case .bool(let flag): value = flag ? "true" : "false"
            default: continue
            }
            labels.append("\(labelName(attribute.key))=\"\(escape(value))\"")
        }
        return labels.joined(separator: ",")
    }

    /// An attribute key as a Prometheus label name: characters outside [a-zA-Z0-9_] become `_`.
    static func labelName(_ key: String) -> String {
        String(key.unicodeScalars.map { scalar -> Character in
            let value = scalar.value
            let allowed = (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A) || value == 0x5F
            return allowed ? Character(scalar) : "_"
        })
    }

    /// A label value with `\`, `"` and line feeds escaped.
    static func escape(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }

    /// A float as Prometheus writes it: integers without a fraction.
    static func number(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }
}

extension OperationSeriesKey {
    /// An order for the page (stable between scrapes).
    var sortKey: String {
        attributes.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
    }
}
