/// Statement name and query text of a Parse message.
///
/// ```
/// Parse 'P'
/// +-----------------+-----------+--------------+----------------------+
/// | statement name\0 | query\0   | int16 nparams | int32 type oid × n  |
/// +-----------------+-----------+--------------+----------------------+
/// ```
/// An empty name is the unnamed statement. The kernel captures a prefix of the body.
/// https://www.postgresql.org/docs/15/protocol-message-formats.html
public struct ParseBody: Sendable, Equatable {
    public var statement: String
    public var query: [UInt8]
    /// The query's terminating NUL was not captured: the text is a prefix.
    public var queryTruncated: Bool

    public init?(body: some Collection<UInt8>) {
        guard let nameEnd = body.firstIndex(of: 0) else { return nil }
        statement = String(decoding: body[..<nameEnd], as: UTF8.self)
        let start = body.index(after: nameEnd)
        let end = body[start...].firstIndex(of: 0)
        query = Array(body[start..<(end ?? body.endIndex)])
        queryTruncated = end == nil
    }
}
