import Spans

/// One human-readable line per span, built byte by byte: the console exporter must keep up with
/// tens of thousands of spans per second.
public enum ConsoleLine {
    public static func append(_ span: DatabaseSpan, to out: inout [UInt8]) {
        var statusCode: String?
        var errorType: String?
        var returnedRows: Int64?
        var affectedRows: Int64?
        var queryText: String?
        var statementName: String?
        for attribute in span.attributes {
            // compare lengths first: most keys differ in length, and String == on long keys is slow
            let key = attribute.key
            switch key.utf8.count {
            case Attribute.dbQueryText.utf8.count where key == Attribute.dbQueryText:
                if case .string(let value) = attribute.value { queryText = value }
            case Attribute.dbResponseStatusCode.utf8.count where key == Attribute.dbResponseStatusCode:
                if case .string(let value) = attribute.value { statusCode = value }
            case Attribute.errorType.utf8.count where key == Attribute.errorType:
                if case .string(let value) = attribute.value { errorType = value }
            case Attribute.dbResponseReturnedRows.utf8.count where key == Attribute.dbResponseReturnedRows:
                if case .int(let value) = attribute.value { returnedRows = value }
            case Attribute.tuskRowsAffected.utf8.count where key == Attribute.tuskRowsAffected:
                if case .int(let value) = attribute.value { affectedRows = value }
            case Attribute.tuskStatementName.utf8.count where key == Attribute.tuskStatementName:
                if case .string(let value) = attribute.value { statementName = value }
            default:
                break
            }
        }
        appendTimestamp(span.startUnixNanoseconds, to: &out)
        out.append(0x20)
        out.append(contentsOf: span.process.command.utf8)
        out.append(UInt8(ascii: "["))
        appendDecimal(UInt64(span.process.pid), to: &out)
        out.append(contentsOf: "] ".utf8)
        appendDuration(span.endUnixNanoseconds &- span.startUnixNanoseconds, to: &out)
        out.append(0x20)
        switch span.status {
        case .unset:
            out.append(contentsOf: "OK".utf8)
            if let statusCode {
                out.append(0x20)
                out.append(contentsOf: statusCode.utf8)
            }
        case .error(let message):
            out.append(contentsOf: "ERROR ".utf8)
            if let code = statusCode ?? errorType {
                out.append(contentsOf: code.utf8)
                out.append(0x20)
            }
            appendOneLine(message, to: &out)
        }
        if let rows = returnedRows ?? affectedRows {
            out.append(contentsOf: " rows=".utf8)
            appendDecimal(UInt64(max(0, rows)), to: &out)
        }
        out.append(contentsOf: " | ".utf8)
        if let queryText {
            appendOneLine(queryText, to: &out)
        } else if let statementName {
            out.append(contentsOf: "<statement \(statementName): text unknown>".utf8)
        } else {
            out.append(contentsOf: span.name.utf8)
        }
        out.append(0x0a)
    }

    /// `2026-11-25T21:39:34.123456Z` (UTC, microseconds).
    static func appendTimestamp(_ unixNanoseconds: UInt64, to out: inout [UInt8]) {
        let seconds = Int64(unixNanoseconds / 1_000_000_000)
        let micros = (unixNanoseconds % 1_000_000_000) / 1000
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secondOfDay = seconds - days * 86400
        // civil date from days since 1970-01-01 (Howard Hinnant's algorithm)
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        appendPadded(UInt64(year), width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(UInt64(month), width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        appendPadded(UInt64(day), width: 2, to: &out)
        out.append(UInt8(ascii: "T"))
        appendPadded(UInt64(secondOfDay / 3600), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 3600 / 60), width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        appendPadded(UInt64(secondOfDay % 60), width: 2, to: &out)
        out.append(UInt8(ascii: "."))
        appendPadded(micros, width: 6, to: &out)
        out.append(UInt8(ascii: "Z"))
    }

    /// Milliseconds with three decimals: `0.302ms`.
    static func appendDuration(_ nanoseconds: UInt64, to out: inout [UInt8]) {
        let micros = nanoseconds / 1000
        appendDecimal(micros / 1000, to: &out)
        out.append(UInt8(ascii: "."))
        appendPadded(micros % 1000, width: 3, to: &out)
        out.append(contentsOf: "ms".utf8)
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        if value < 10 {
            out.append(UInt8(ascii: "0") + UInt8(value))
            return
        }
        appendDecimal(value / 10, to: &out)
        out.append(UInt8(ascii: "0") + UInt8(value % 10))
    }

    static func appendPadded(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        var digits = 1
        var rest = value / 10
        while rest > 0 { digits += 1; rest /= 10 }
        for _ in digits..<max(digits, width) { out.append(UInt8(ascii: "0")) }
        appendDecimal(value, to: &out)
    }

    /// Control characters (newlines in SQL) become spaces so one span stays one line.
    static func appendOneLine(_ text: String, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: text.utf8)
        for index in start..<out.count where out[index] < 0x20 || out[index] == 0x7f {
            out[index] = 0x20
        }
    }
}
