/// Names carried by Bind, Execute, Describe and Close.
///
/// ```
/// Bind 'B':      portal\0 statement\0 int16 nformats … (values: the kernel zeroes them)
/// Execute 'E':   portal\0 int32 max rows
/// Describe 'D':  'S' | 'P'  name\0
/// Close 'C':     'S' | 'P'  name\0
/// ```
/// https://www.postgresql.org/docs/15/protocol-message-formats.html
public enum PortalNames {
    /// Portal and statement of a Bind body.
    public static func bind(_ body: some Collection<UInt8>) -> (portal: String, statement: String)? {
        let strings = cStrings(body, count: 2)
        guard strings.count == 2 else { return nil }
        return (strings[0], strings[1])
    }

    /// Portal of an Execute body.
    public static func execute(_ body: some Collection<UInt8>) -> String? {
        cStrings(body, count: 1).first
    }

    /// Target of a Describe or Close body: a statement ('S') or portal ('P') and its name.
    public static func target(_ body: some Collection<UInt8>) -> (isStatement: Bool, name: String)? {
        guard let kind = body.first, kind == UInt8(ascii: "S") || kind == UInt8(ascii: "P") else { return nil }
        guard let name = cStrings(body.dropFirst(), count: 1).first else { return nil }
        return (kind == UInt8(ascii: "S"), name)
    }

    /// Up to `count` NUL-terminated strings; a string without its NUL is not returned.
    private static func cStrings(_ body: some Collection<UInt8>, count: Int) -> [String] {
        var result: [String] = []
        var index = body.startIndex
        while result.count < count, let end = body[index...].firstIndex(of: 0) {
            result.append(String(decoding: body[index..<end], as: UTF8.self))
            index = body.index(after: end)
        }
        return result
    }
}
