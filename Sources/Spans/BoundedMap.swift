/// A dictionary that forgets its oldest insertions beyond `limit`, so a client that prepares
/// without ever closing cannot grow Tusk's memory.
struct BoundedMap<Key: Hashable, Value> {
    private var values: [Key: Value] = [:]
    private var order: [Key] = []
    private var orderStart = 0
    let limit: Int

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var count: Int { values.count }

    subscript(key: Key) -> Value? {
        get { values[key] }
        set {
            guard let newValue else {
                values[key] = nil
                return
            }
            if values.updateValue(newValue, forKey: key) == nil {
                order.append(key)
                evict()
            }
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
            values[oldest] = nil
        }
        // keys removed or re-inserted still sit in `order`: compact, keeping each live key's
        // latest insertion
        if orderStart > limit || order.count - orderStart > 2 * limit + 16 {
            var seen = Set<Key>()
            var compacted: [Key] = []
            for key in order[orderStart...].reversed() where values[key] != nil && seen.insert(key).inserted {
                compacted.append(key)
            }
            order = compacted.reversed()
            orderStart = 0
        }
    }
}
