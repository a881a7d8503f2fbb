/// A dictionary that forgets its oldest insertions beyond `limit`, so a client that prepares
/// without ever closing cannot grow Tusk's memory.
struct BoundedMap<Key: Hashable, Value> {
    /// Each value remembers the insertion that made it, so a stale entry in `order` (the key was
    /// removed and inserted again since) never evicts the newer value.
    private var values: [Key: (value: Value, insertion: UInt64)] = [:]
    private var order: [(key: Key, insertion: UInt64)] = []
    private var orderStart = 0
    private var insertions: UInt64 = 0
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var count: Int { values.count }

    subscript(key: Key) -> Value? {
        get { values[key]?.value }
        set {
            guard let newValue else {
                values[key] = nil
                return
            }
            if let existing = values[key] {
                values[key] = (newValue, existing.insertion)  // an update keeps its place
                return
            }
            insertions += 1
            values[key] = (newValue, insertions)
            order.append((key, insertions))
            evict()
        }
    }

    mutating func removeAll() {
        values.removeAll()
        order.removeAll()
        orderStart = 0
    }

    private mutating func evict() {
        while values.count > limit, orderStart < order.count {
            let oldest = order[orderStart]
            orderStart += 1
            if values[oldest.key]?.insertion == oldest.insertion {
                values[oldest.key] = nil
            }
        }
        // stale entries (removed or re-inserted keys) pile up in `order`: compact now and then
        if orderStart > limit || order.count - orderStart > 2 * limit + 16 {
            order = order[orderStart...].filter { values[$0.key]?.insertion == $0.insertion }
            orderStart = 0
        }
    }
}
