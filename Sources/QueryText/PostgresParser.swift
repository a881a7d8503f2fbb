// PostgreSQL's grammar (libpg_query via CPGQuery), reduced to the statements of a text.

import CPGQuery

/// Thread safety: libpg_query keeps per-thread memory contexts (created on a thread's first call,
/// released when the thread exits), so concurrent calls from different threads are safe; nothing
/// here is shared between calls.
enum PostgresParser {
    /// The statements of `text` (which must end with a NUL byte that `count` excludes), or nil when
    /// PostgreSQL's grammar rejects the text.
    static func parse(_ text: UnsafeBufferPointer<UInt8>) -> [ParsedStatement]? {
        guard let base = text.baseAddress else { return [] }
        let result = base.withMemoryRebound(to: CChar.self, capacity: text.count + 1) { cpgq_parse($0) }!
        defer { cpgq_parse_result_free(result) }
        guard result.pointee.error == 0 else { return nil }
        var statements: [ParsedStatement] = []
        statements.reserveCapacity(Int(result.pointee.statement_count))
        for index in 0..<Int(result.pointee.item_count) {
            let item = result.pointee.items[index]
            switch item.kind {
            case _ where statements.isEmpty && item.kind != Int32(CPGQ_ITEM_STATEMENT.rawValue):
                continue // every item follows its statement's start; never otherwise, but cheap to guard
            case Int32(CPGQ_ITEM_STATEMENT.rawValue):
                let start = min(max(0, Int(item.location)), text.count)
                let end = item.length > 0 ? min(text.count, start + Int(item.length)) : text.count
                statements.append(ParsedStatement(range: start..<end, items: []))
            case Int32(CPGQ_ITEM_OPERATION.rawValue):
                let name = item.name.map { String(cString: $0) }
                statements[statements.count - 1].items.append(.operation(name: name, topLevel: item.top_level != 0))
            case Int32(CPGQ_ITEM_COLLECTION.rawValue):
                if let name = qualifiedName(item) { statements[statements.count - 1].items.append(.collection(name)) }
            case Int32(CPGQ_ITEM_OTHER_TARGET.rawValue):
                if let name = qualifiedName(item) { statements[statements.count - 1].items.append(.otherTarget(name)) }
            case Int32(CPGQ_ITEM_PROCEDURE.rawValue):
                if let name = qualifiedName(item) { statements[statements.count - 1].items.append(.procedure(name)) }
            case Int32(CPGQ_ITEM_DEALLOCATE.rawValue):
                let deallocation: Deallocation = item.name.map { .named(String(cString: $0)) } ?? .all
                statements[statements.count - 1].items.append(.deallocation(deallocation))
            default:
                continue
            }
        }
        return statements
    }

    private static func qualifiedName(_ item: cpgq_item) -> QualifiedName? {
        guard let name = item.name else { return nil }
        var components: [String] = []
        if let catalog = item.catalog { components.append(String(cString: catalog)) }
        if let schema = item.schema { components.append(String(cString: schema)) }
        components.append(String(cString: name))
        return QualifiedName(components: components, location: item.location >= 0 ? Int(item.location) : nil)
    }
}
