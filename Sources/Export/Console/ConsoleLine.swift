import Spans

/// One human-readable line per span, built byte by byte: the console exporter must keep up with
/// tens of thousands of spans per second, so the line is written through a pointer into room
/// reserved once, and attributes are looked at in place.
public enum ConsoleLine {
    /// Bytes a line needs besides its query text, status message and command name: timestamp (27),
    /// pid, duration, status word and code, row count, separators — generously rounded up.
    private static let fixedBytes = 192

    public static func append(_ span: borrowing DatabaseSpan, to out: inout [UInt8]) {
        // the line shows the statement's text and the span's own status and rows (never what its
        // connection shares)
        var found = Found()
        span.statementAttributes.withUnsafeBufferPointer { found.scan($0) }
        span.ownAttributes.withUnsafeBufferPointer { found.scan($0) }
        var message: String?
        if case .error(let text) = span.status { message = text }
        let tail = found.queryText ?? found.statementName ?? span.name
        let bound = fixedBytes + span.process.command.utf8.count + tail.utf8.count + (message?.utf8.count ?? 0)
            + (found.statusCode?.utf8.count ?? 0) + (found.errorType?.utf8.count ?? 0)
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: bound))
        let end = out.withUnsafeMutableBufferPointer { buffer in
            var line = LineWriter(buffer.baseAddress!, at: start)
            line.write(span, found, message: message)
            return line.count
        }
        out.removeLast(out.count - end)
    }

    /// The attribute values the line shows.
    struct Found {
        var statusCode: String?
        var errorType: String?
        var returnedRows: Int64?
        var affectedRows: Int64?
        var queryText: String?
        var statementName: String?

        mutating func scan(_ attributes: UnsafeBufferPointer<SpanAttribute>) {
            for index in attributes.indices {
                // compare lengths first: most keys differ in length
                let key = attributes[index].key
                switch key.utf8.count {
                case Attribute.dbQueryText.utf8.count where key == Attribute.dbQueryText:
                    queryText = attributes[index].value.stringValue
                case Attribute.dbResponseStatusCode.utf8.count where key == Attribute.dbResponseStatusCode:
                    statusCode = attributes[index].value.stringValue
                case Attribute.errorType.utf8.count where key == Attribute.errorType:
                    errorType = attributes[index].value.stringValue
                case Attribute.dbResponseReturnedRows.utf8.count where key == Attribute.dbResponseReturnedRows:
                    returnedRows = attributes[index].value.intValue
                case Attribute.tuskRowsAffected.utf8.count where key == Attribute.tuskRowsAffected:
                    affectedRows = attributes[index].value.intValue
                case Attribute.tuskStatementName.utf8.count where key == Attribute.tuskStatementName:
                    statementName = attributes[index].value.stringValue
                default: break
                }
            }
        }
    }

    /// Writes into room the caller reserved (`fixedBytes` plus the variable parts).
    struct LineWriter {
        private let base: UnsafeMutablePointer<UInt8>
        private(set) var count: Int

        init(_ base: UnsafeMutablePointer<UInt8>, at count: Int) {
            self.base = base
            self.count = count
        }

        mutating func write(_ span: borrowing DatabaseSpan, _ found: Found, message: String?) {
            timestamp(span.startUnixNanoseconds)
            byte(0x20)
            bytes(span.process.command)
            byte(UInt8(ascii: "["))
            decimal(UInt64(span.process.pid))
            bytes("] ")
            duration(span.endUnixNanoseconds &- span.startUnixNanoseconds)
            byte(0x20)
            if let message {
                bytes("ERROR ")
                if let code = found.statusCode ?? found.errorType {
                    bytes(code)
                    byte(0x20)
                }
                oneLine(message)
            } else {
                bytes("OK")
                if let statusCode = found.statusCode {
                    byte(0x20)
                    bytes(statusCode)
                }
            }
            if let rows = found.returnedRows ?? found.affectedRows {
                bytes(" rows=")
                decimal(UInt64(max(0, rows)))
            }
            bytes(" | ")
            if let text = found.queryText {
                oneLine(text)
            } else if let name = found.statementName {
                bytes("<statement ")
                bytes(name)
                bytes(": text unknown>")
            } else {
                bytes(span.name)
            }
            byte(0x0a)
        }

        mutating func byte(_ value: UInt8) {
            base[count] = value
            count += 1
        }

        mutating func bytes(_ text: String) {
            let copied = text.utf8.withContiguousStorageIfAvailable { utf8 in
                if let source = utf8.baseAddress { (base + count).update(from: source, count: utf8.count) }
                return utf8.count
            }
            if let copied {
                count += copied
            } else {
                for unit in text.utf8 { byte(unit) }
            }
        }

        /// Control characters (newlines in SQL) become spaces so one span stays one line.
        mutating func oneLine(_ text: String) {
            let start = count
            bytes(text)
            for index in start..<count where base[index] < 0x20 || base[index] == 0x7f {
                base[index] = 0x20
            }
        }

        /// `value` in decimal, zero-padded to at least `width` digits.
        mutating func decimal(_ value: UInt64, width: Int = 1) {
            var digits = 1
            var rest = value / 10
            while rest > 0 {
                digits += 1
                rest /= 10
            }
            let length = Swift.max(digits, width)
            var remaining = value
            for index in stride(from: count + length - 1, through: count, by: -1) {
                base[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
            }
            count += length
        }

        /// `2026-11-25T21:39:34.123456Z` (UTC, microseconds).
        mutating func timestamp(_ unixNanoseconds: UInt64) {
            let date = CivilTime(unixNanoseconds: unixNanoseconds)
            decimal(UInt64(date.year), width: 4)
            byte(UInt8(ascii: "-"))
            decimal(UInt64(date.month), width: 2)
            byte(UInt8(ascii: "-"))
            decimal(UInt64(date.day), width: 2)
            byte(UInt8(ascii: "T"))
            decimal(UInt64(date.secondOfDay / 3600), width: 2)
            byte(UInt8(ascii: ":"))
            decimal(UInt64(date.secondOfDay % 3600 / 60), width: 2)
            byte(UInt8(ascii: ":"))
            decimal(UInt64(date.secondOfDay % 60), width: 2)
            byte(UInt8(ascii: "."))
            decimal(date.microseconds, width: 6)
            byte(UInt8(ascii: "Z"))
        }

        /// Milliseconds with three decimals: `0.302ms`.
        mutating func duration(_ nanoseconds: UInt64) {
            let micros = nanoseconds / 1000
            decimal(micros / 1000)
            byte(UInt8(ascii: "."))
            decimal(micros % 1000, width: 3)
            bytes("ms")
        }
    }

    static func appendDecimal(_ value: UInt64, to out: inout [UInt8]) {
        let start = out.count
        out.append(contentsOf: repeatElement(0, count: 20))
        let end = out.withUnsafeMutableBufferPointer { buffer in
            var line = LineWriter(buffer.baseAddress!, at: start)
            line.decimal(value)
            return line.count
        }
        out.removeLast(out.count - end)
    }
}
