import Spans

/// One human-readable line per span, built byte by byte: the console exporter must keep up with
/// tens of thousands of spans per second, so the line is written through a pointer into room
/// reserved once, and attributes are looked at in place (no copies, no reference counting).
public enum ConsoleLine {
    /// Bytes a line needs besides its query text, status message and command name: timestamp (27),
    /// pid, duration, status word and code, row count, separators — generously rounded up.
    private static let fixedBytes = 192

    public static func append(_ span: borrowing DatabaseSpan, to out: inout [UInt8]) {
        var stamp = SecondStamp()
        withUnsafePointer(to: span) { append($0, to: &out, stamp: &stamp) }
    }

    /// The exporter's path: the span is read where it lies (a closure capturing the span itself
    /// would copy it, retaining every reference it holds), and `stamp` carries the last line's
    /// date and time to the next.
    static func append(_ span: UnsafePointer<DatabaseSpan>, to out: inout [UInt8], stamp: inout SecondStamp) {
        // what the line shows (text, status code, rows) is the span's own, never its connection's
        span.pointee.ownAttributes.withUnsafeBufferPointer { attributes in
            let found = Found(attributes)
            var message: String?
            if case .error(let text) = span.pointee.status { message = text }
            let tail: String =
                found.queryText.flatMap { attributes[$0].value.stringValue }
                ?? found.statementName.flatMap { attributes[$0].value.stringValue } ?? span.pointee.name
            let bound = fixedBytes + span.pointee.process.command.utf8.count + tail.utf8.count + (message?.utf8.count ?? 0)
                + (found.statusCode.flatMap { attributes[$0].value.stringValue?.utf8.count } ?? 0)
                + (found.errorType.flatMap { attributes[$0].value.stringValue?.utf8.count } ?? 0)
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: bound))
            let end = out.withUnsafeMutableBufferPointer { buffer in
                var line = LineWriter(buffer.baseAddress!, at: start)
                line.write(span, attributes, found, message: message, stamp: &stamp)
                return line.count
            }
            out.removeLast(out.count - end)
        }
    }

    /// `2026-11-25T21:39:34.` for one Unix second: lines in a batch mostly share it.
    struct SecondStamp {
        static let length = 20
        var second = UInt64.max
        var text = InlineArray<20, UInt8>(repeating: 0)
    }

    /// Where the attributes the line shows are (indices into the span's attributes).
    struct Found {
        var statusCode: Int?
        var errorType: Int?
        var returnedRows: Int?
        var affectedRows: Int?
        var queryText: Int?
        var statementName: Int?

        init(_ attributes: UnsafeBufferPointer<SpanAttribute>) {
            for index in attributes.indices {
                // compare lengths first: most keys differ in length
                let key = attributes[index].key
                switch key.utf8.count {
                case Attribute.dbQueryText.utf8.count where key == Attribute.dbQueryText: queryText = index
                case Attribute.dbResponseStatusCode.utf8.count where key == Attribute.dbResponseStatusCode:
                    statusCode = index
                case Attribute.errorType.utf8.count where key == Attribute.errorType: errorType = index
                case Attribute.dbResponseReturnedRows.utf8.count where key == Attribute.dbResponseReturnedRows:
                    returnedRows = index
                case Attribute.tuskRowsAffected.utf8.count where key == Attribute.tuskRowsAffected: affectedRows = index
                case Attribute.tuskStatementName.utf8.count where key == Attribute.tuskStatementName:
                    statementName = index
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

        mutating func write(
            _ span: UnsafePointer<DatabaseSpan>, _ attributes: UnsafeBufferPointer<SpanAttribute>, _ found: Found, message: String?,
            stamp: inout SecondStamp
        ) {
            timestamp(span.pointee.startUnixNanoseconds, stamp: &stamp)
            byte(0x20)
            bytes(span.pointee.process.command)
            byte(UInt8(ascii: "["))
            decimal(UInt64(span.pointee.process.pid))
            bytes("] ")
            duration(span.pointee.endUnixNanoseconds &- span.pointee.startUnixNanoseconds)
            byte(0x20)
            let statusCode = found.statusCode.flatMap { attributes[$0].value.stringValue }
            if let message {
                bytes("ERROR ")
                if let code = statusCode ?? found.errorType.flatMap({ attributes[$0].value.stringValue }) {
                    bytes(code)
                    byte(0x20)
                }
                oneLine(message)
            } else {
                bytes("OK")
                if let statusCode {
                    byte(0x20)
                    bytes(statusCode)
                }
            }
            if let rows = (found.returnedRows ?? found.affectedRows).flatMap({ attributes[$0].value.intValue }) {
                bytes(" rows=")
                decimal(UInt64(max(0, rows)))
            }
            bytes(" | ")
            if let text = found.queryText.flatMap({ attributes[$0].value.stringValue }) {
                oneLine(text)
            } else if let name = found.statementName.flatMap({ attributes[$0].value.stringValue }) {
                bytes("<statement ")
                bytes(name)
                bytes(": text unknown>")
            } else {
                bytes(span.pointee.name)
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

        /// `value` in decimal.
        mutating func decimal(_ value: UInt64) {
            var length = 1
            var rest = value / 10
            while rest > 0 {
                length += 1
                rest /= 10
            }
            digits(value, length)
        }

        /// `2026-11-25T21:39:34.123456Z` (UTC, microseconds). The part up to the second comes from
        /// `stamp` when the previous line was in the same second.
        mutating func timestamp(_ unixNanoseconds: UInt64, stamp: inout SecondStamp) {
            let second = unixNanoseconds / 1_000_000_000
            if stamp.second != second {
                let start = count
                let date = CivilTime(unixNanoseconds: unixNanoseconds)
                digits(UInt64(date.year), 4)
                byte(UInt8(ascii: "-"))
                digits(UInt64(date.month), 2)
                byte(UInt8(ascii: "-"))
                digits(UInt64(date.day), 2)
                byte(UInt8(ascii: "T"))
                digits(UInt64(date.secondOfDay / 3600), 2)
                byte(UInt8(ascii: ":"))
                digits(UInt64(date.secondOfDay % 3600 / 60), 2)
                byte(UInt8(ascii: ":"))
                digits(UInt64(date.secondOfDay % 60), 2)
                byte(UInt8(ascii: "."))
                stamp.second = second
                for index in 0..<SecondStamp.length { stamp.text[index] = base[start + index] }
            } else {
                for index in 0..<SecondStamp.length { base[count + index] = stamp.text[index] }
                count += SecondStamp.length
            }
            digits(unixNanoseconds % 1_000_000_000 / 1000, 6)
            byte(UInt8(ascii: "Z"))
        }

        /// The last `count` decimal digits of `value`, zero-padded (no digit counting first: a
        /// timestamp has seven such fields per line).
        mutating func digits(_ value: UInt64, _ count: Int) {
            var remaining = value
            var index = self.count + count - 1
            while index >= self.count {
                base[index] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: remaining % 10)
                remaining /= 10
                index -= 1
            }
            self.count += count
        }

        /// Milliseconds with three decimals: `0.302ms`.
        mutating func duration(_ nanoseconds: UInt64) {
            let micros = nanoseconds / 1000
            decimal(micros / 1000)
            byte(UInt8(ascii: "."))
            digits(micros % 1000, 3)
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
