/// The parameters of a StartupMessage.
///
/// ```
/// StartupMessage (no type byte)
/// +---------+------------------+------+--------+------+--------+ ... +----+
/// | int32   | int32 196608     | name\0 | value\0 | name\0 | value\0 |     | \0 |
/// | length  | (protocol 3.0)   |      |        |      |        |     |    |
/// +---------+------------------+------+--------+------+--------+ ... +----+
/// ```
/// The kernel captures the body after the protocol code. `database` defaults to `user`.
/// https://www.postgresql.org/docs/15/protocol-message-formats.html
public struct StartupParameters: Sendable, Equatable {
    public var values: [String: String]

    public init(values: [String: String]) {
        self.values = values
    }

    public init(body: some Collection<UInt8>) {
        values = [:]
        var strings: [String] = []
        var index = body.startIndex
        while index != body.endIndex {
            guard let end = body[index...].firstIndex(of: 0) else { break } // cut off: drop the partial string
            if end == index && strings.count % 2 == 0 { break } // the terminating empty name
            strings.append(String(decoding: body[index..<end], as: UTF8.self))
            index = body.index(after: end)
        }
        for pair in stride(from: 0, to: strings.count - 1, by: 2) {
            values[strings[pair]] = strings[pair + 1]
        }
    }

    public var user: String? { values["user"] }
    public var database: String? { values["database"] ?? values["user"] }
    public var applicationName: String? { values["application_name"].flatMap { $0.isEmpty ? nil : $0 } }
}
