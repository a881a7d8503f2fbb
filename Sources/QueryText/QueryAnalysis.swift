// What one captured query text contributes to a database span.

/// The span attributes derived from one query text (which may hold several statements).
///
/// The rules behind each field are spelled out on `QueryAnalyzer`.
public struct QueryAnalysis: Sendable, Equatable {
    /// `db.query.text`, shaped by the analyzer's `QueryTextMode` (nil in mode `off`).
    public var text: String? {
        get { storage.values.text }
        set { unique().values.text = newValue }
    }
    /// Whether `text` is shorter than the statement: the capture was cut, the text ended inside an
    /// unterminated literal that was dropped, or `text` was cut to the analyzer's `maxLength`.
    public var truncated: Bool {
        get { storage.values.truncated }
        set { unique().values.truncated = newValue }
    }
    /// `db.query.summary`, nil when PostgreSQL's parser did not accept the text.
    public var summary: String? {
        get { storage.values.summary }
        set { unique().values.summary = newValue }
    }
    /// `db.operation.name`, nil when the text did not parse or holds no statement.
    public var operation: String? {
        get { storage.values.operation }
        set { unique().values.operation = newValue }
    }
    /// `db.collection.name`: the one table the text reads or writes, nil when there are none or several.
    public var collection: String? {
        get { storage.values.collection }
        set { unique().values.collection = newValue }
    }
    /// `db.stored_procedure.name` for CALL.
    public var storedProcedure: String? {
        get { storage.values.storedProcedure }
        set { unique().values.storedProcedure = newValue }
    }
    /// Statements in the text, at least 1. Export `db.operation.batch.size` only when ≥ 2: the
    /// conventions count a single statement as a plain operation, not a batch of one.
    public var batchSize: Int {
        get { storage.values.batchSize }
        set { unique().values.batchSize = newValue }
    }
    /// Whether PostgreSQL's parser accepted the text — for a cut capture, the part kept without its
    /// possibly partial last token. Summary, operation and names are only set when it did.
    public var parsed: Bool {
        get { storage.values.parsed }
        set { unique().values.parsed = newValue }
    }
    /// Prepared statements the text removes, in order (empty for almost every query).
    public var deallocations: [Deallocation] {
        get { storage.values.deallocations }
        set { unique().values.deallocations = newValue }
    }

    /// The fields live in one object: every span copies an analysis out of the cache, and a copy
    /// then costs one reference count instead of one per string.
    private var storage: Storage

    /// The identity of the object the fields live in: two analyses with one identity are the very
    /// same (one cached object), so every field is equal without comparing one. Meaningful while
    /// one of them is kept.
    public var identity: ObjectIdentifier { ObjectIdentifier(storage) }

    public init(
        text: String?,
        truncated: Bool = false,
        summary: String? = nil,
        operation: String? = nil,
        collection: String? = nil,
        storedProcedure: String? = nil,
        batchSize: Int = 1,
        parsed: Bool = true,
        deallocations: [Deallocation] = []
    ) {
        storage = Storage(
            Values(
                text: text, truncated: truncated, summary: summary, operation: operation, collection: collection,
                storedProcedure: storedProcedure, batchSize: batchSize, parsed: parsed, deallocations: deallocations))
    }

    public static func == (left: QueryAnalysis, right: QueryAnalysis) -> Bool {
        left.storage === right.storage || left.storage.values == right.storage.values
    }

    /// Storage this value alone refers to, ready to be changed (copy on write).
    private mutating func unique() -> Storage {
        if !isKnownUniquelyReferenced(&storage) { storage = Storage(storage.values) }
        return storage
    }

    private struct Values: Equatable {
        var text: String?
        var truncated: Bool
        var summary: String?
        var operation: String?
        var collection: String?
        var storedProcedure: String?
        var batchSize: Int
        var parsed: Bool
        var deallocations: [Deallocation]
    }

    /// Changed only through `unique()`, so never while another value shares it.
    private final class Storage: @unchecked Sendable {
        var values: Values

        init(_ values: Values) { self.values = values }
    }
}
