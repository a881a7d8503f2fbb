/// A CommandComplete tag: the command and, for commands that count rows, how many.
///
/// ```
/// CommandComplete 'C': tag\0      e.g. "SELECT 5", "INSERT 0 3", "UPDATE 2", "CREATE TABLE"
/// ```
/// https://www.postgresql.org/docs/15/protocol-message-formats.html
public struct CommandTag: Sendable, Equatable {
    /// The command words, e.g. `SELECT`, `INSERT`, `CREATE TABLE`.
    public var command: String
    /// Rows affected or returned, when the tag carries a count.
    public var rows: UInt64?

    public init(command: String, rows: UInt64?) {
        self.command = command
        self.rows = rows
    }

    public init?(bytes: some Collection<UInt8>) {
        let end = bytes.firstIndex(of: 0) ?? bytes.endIndex
        let text = String(decoding: bytes[..<end], as: UTF8.self)
        guard !text.isEmpty else { return nil }
        var words = text.split(separator: " ")
        guard !words.isEmpty else { return nil }
        // INSERT oid rows; SELECT/UPDATE/DELETE/MERGE/FETCH/MOVE/COPY rows
        if Self.counted.contains(String(words[0])), words.count >= 2, let rows = UInt64(words.last!) {
            self.rows = rows
            words = [words[0]]
        } else {
            self.rows = nil
        }
        command = words.joined(separator: " ")
    }

    private static let counted: Set<String> = ["SELECT", "INSERT", "UPDATE", "DELETE", "MERGE", "FETCH", "MOVE", "COPY"]
}
