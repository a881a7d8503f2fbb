/// PostgreSQL protocol messages as raw bytes, built field by field, for tests that push real
/// bytes through the kernel programs. https://www.postgresql.org/docs/15/protocol-message-formats.html
public enum WireFixtures {
    // MARK: framing

    /// type byte, int32 length (including itself), body
    public static func message(_ type: Character, _ body: [UInt8]) -> [UInt8] {
        [type.asciiValue!] + int32(4 + body.count) + body
    }

    public static func int32(_ value: Int) -> [UInt8] {
        let v = UInt32(truncatingIfNeeded: value)
        return [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)]
    }

    public static func int16(_ value: Int) -> [UInt8] {
        [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    /// string \0
    public static func cString(_ text: String) -> [UInt8] { Array(text.utf8) + [0] }

    // MARK: frontend

    /// int32 length, int32 196608 (protocol 3.0), (name \0 value \0)*, \0 — no type byte
    public static func startup(user: String = "tusk", database: String = "shop", application: String = "fixtures") -> [UInt8] {
        let body = int32(196_608) + cString("user") + cString(user) + cString("database") + cString(database)
            + cString("application_name") + cString(application) + [0]
        return int32(4 + body.count) + body
    }

    /// int32 8, int32 80877103
    public static let sslRequest: [UInt8] = int32(8) + int32(80_877_103)

    /// A TLS 1.2/1.3 ClientHello record (RFC 8446 4.1.2) with a server name, supported versions
    /// and, when `alpn` is given, an ALPN extension (RFC 7301) listing those protocols.
    public static func clientHello(alpn: [String]?, sessionID: Int = 32) -> [UInt8] {
        func u16(_ n: Int) -> [UInt8] { [UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] }
        func u24(_ n: Int) -> [UInt8] { [UInt8(n >> 16 & 0xff)] + u16(n) }
        func extensionBlock(_ type: Int, _ data: [UInt8]) -> [UInt8] { u16(type) + u16(data.count) + data }
        let host = Array("localhost".utf8)
        var extensions = extensionBlock(0, u16(host.count + 3) + [0] + u16(host.count) + host)
        extensions += extensionBlock(43, [4, 0x03, 0x04, 0x03, 0x03])
        if let alpn {
            let names = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            extensions += extensionBlock(16, u16(names.count) + names)
        }
        extensions += extensionBlock(13, u16(4) + [0x08, 0x04, 0x04, 0x03])
        let ciphers: [UInt8] = [0x13, 0x01, 0x13, 0x02, 0xc0, 0x2f]
        let body: [UInt8] = [0x03, 0x03] + [UInt8](repeating: 0xa5, count: 32)
            + [UInt8(sessionID)] + [UInt8](repeating: 0x5a, count: sessionID)
            + u16(ciphers.count) + ciphers + [1, 0] + u16(extensions.count) + extensions
        let handshake = [0x01] + u24(body.count) + body
        return [0x16, 0x03, 0x01] + u16(handshake.count) + handshake
    }

    /// 'Q' query \0
    public static func query(_ sql: String) -> [UInt8] { message("Q", cString(sql)) }

    /// 'P' statement \0 query \0 int16 0 (no parameter types)
    public static func parse(_ sql: String, statement: String = "") -> [UInt8] {
        message("P", cString(statement) + cString(sql) + int16(0))
    }

    /// 'B' portal \0 statement \0 int16 0 formats, int16 n params, (int32 len, bytes)*, int16 0 result formats
    public static func bind(statement: String = "", portal: String = "", parameters: [String] = []) -> [UInt8] {
        var body = cString(portal) + cString(statement) + int16(0) + int16(parameters.count)
        for parameter in parameters {
            body += int32(parameter.utf8.count) + Array(parameter.utf8)
        }
        return message("B", body + int16(0))
    }

    /// 'D' 'P' portal \0
    public static func describePortal(_ portal: String = "") -> [UInt8] { message("D", [UInt8(ascii: "P")] + cString(portal)) }

    /// 'E' portal \0 int32 max rows (0: all)
    public static func execute(portal: String = "", maxRows: Int = 0) -> [UInt8] { message("E", cString(portal) + int32(maxRows)) }

    /// 'C' 'S' statement \0
    public static func closeStatement(_ statement: String) -> [UInt8] { message("C", [UInt8(ascii: "S")] + cString(statement)) }

    public static let sync: [UInt8] = message("S", [])
    public static let flush: [UInt8] = message("H", [])
    public static let terminate: [UInt8] = message("X", [])
    /// 'd' data
    public static func copyData(_ data: String) -> [UInt8] { message("d", Array(data.utf8)) }
    public static let copyDone: [UInt8] = message("c", [])

    // MARK: backend

    /// 'R' int32 0
    public static let authenticationOK: [UInt8] = message("R", int32(0))
    /// 'S' name \0 value \0
    public static func parameterStatus(_ name: String, _ value: String) -> [UInt8] { message("S", cString(name) + cString(value)) }
    /// 'K' int32 pid, int32 secret
    public static func backendKeyData(pid: Int) -> [UInt8] { message("K", int32(pid) + int32(12345)) }
    /// 'Z' status ('I' idle, 'T' in transaction, 'E' failed transaction)
    public static func ready(_ status: Character = "I") -> [UInt8] { message("Z", [status.asciiValue!]) }

    /// A server's whole answer to a StartupMessage.
    public static func startupAnswer(backendPID: Int = 4242) -> [UInt8] {
        authenticationOK + parameterStatus("server_version", "15.18") + backendKeyData(pid: backendPID) + ready()
    }

    /// 'T' int16 n, per column: name \0, int32 table oid, int16 attnum, int32 type oid, int16 size, int32 mod, int16 format
    public static func rowDescription(_ columns: [String]) -> [UInt8] {
        var body = int16(columns.count)
        for column in columns {
            body += cString(column) + int32(0) + int16(0) + int32(23) + int16(4) + int32(-1) + int16(0)
        }
        return message("T", body)
    }

    /// 'D' int16 n, (int32 len, bytes)*
    public static func dataRow(_ values: [String]) -> [UInt8] {
        var body = int16(values.count)
        for value in values {
            body += int32(value.utf8.count) + Array(value.utf8)
        }
        return message("D", body)
    }

    /// 'C' tag \0
    public static func commandComplete(_ tag: String) -> [UInt8] { message("C", cString(tag)) }
    public static let parseComplete: [UInt8] = message("1", [])
    public static let bindComplete: [UInt8] = message("2", [])
    public static let closeComplete: [UInt8] = message("3", [])
    public static let noData: [UInt8] = message("n", [])
    public static let emptyQueryResponse: [UInt8] = message("I", [])
    /// 'G' int8 format, int16 columns, int16 formats…
    public static let copyInResponse: [UInt8] = message("G", [0] + int16(1) + int16(0))

    /// 'E' / 'N' (code value \0)* \0
    public static func errorResponse(_ sqlState: String, _ text: String, severity: String = "ERROR") -> [UInt8] {
        message("E", fields(severity: severity, sqlState: sqlState, text: text))
    }

    public static func noticeResponse(_ sqlState: String, _ text: String, severity: String = "WARNING") -> [UInt8] {
        message("N", fields(severity: severity, sqlState: sqlState, text: text))
    }

    private static func fields(severity: String, sqlState: String, text: String) -> [UInt8] {
        [UInt8(ascii: "S")] + cString(severity) + [UInt8(ascii: "V")] + cString(severity)
            + [UInt8(ascii: "C")] + cString(sqlState) + [UInt8(ascii: "M")] + cString(text) + [0]
    }

    /// A complete answer to a one-column SELECT: RowDescription, DataRows, CommandComplete.
    public static func selectAnswer(rows: Int) -> [UInt8] {
        var bytes = rowDescription(["n"])
        bytes.reserveCapacity(bytes.count + rows * 16 + 32)
        for row in 0..<rows { bytes += dataRow([String(row)]) }
        return bytes + commandComplete("SELECT \(rows)")
    }
}
