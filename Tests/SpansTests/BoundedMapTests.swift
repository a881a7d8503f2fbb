// The map that bounds per-connection state: it forgets the oldest insertions beyond its limit.

@testable import Spans
import Testing

struct BoundedMapTests {
    @Test func theOldestInsertionGoesFirst() {
        var map = BoundedMap<String, Int>(limit: 3)
        for (index, key) in ["a", "b", "c", "d", "e"].enumerated() { map[key] = index }
        #expect(map.count == 3)
        #expect(["a", "b", "c", "d", "e"].map { map[$0] } == [nil, nil, 2, 3, 4])
    }

    @Test func anUpdateKeepsTheKeysPlace() {
        var map = BoundedMap<String, Int>(limit: 2)
        map["a"] = 1
        map["b"] = 2
        map["a"] = 10  // a value update, not an insertion
        map["c"] = 3
        #expect([map["a"], map["b"], map["c"]] == [nil, 2, 3])
    }

    @Test func removingMakesRoom() {
        var map = BoundedMap<String, Int>(limit: 2)
        map["a"] = 1
        map["b"] = 2
        map["a"] = nil
        map["c"] = 3
        #expect([map["a"], map["b"], map["c"]] == [nil, 2, 3])
        #expect(map.count == 2)
    }

    /// A key removed and inserted again is the newest: the keys inserted before it go first.
    @Test func aKeyInsertedAgainAfterItsRemovalIsTheNewest() {
        var map = BoundedMap<String, Int>(limit: 2)
        map["a"] = 1
        map["b"] = 2
        map["a"] = nil
        map["a"] = 3
        map["c"] = 4
        #expect([map["a"], map["b"], map["c"]] == [3, nil, 4])
    }

    /// Enough removals and re-insertions to compact the insertion order several times.
    @Test func compactionKeepsEachKeysLatestInsertion() {
        var map = BoundedMap<Int, Int>(limit: 3)
        map[1] = 1
        map[2] = 2
        map[3] = 3
        for round in 0..<100 {  // 1 and 2 churn, 3 stays put
            map[1] = nil
            map[1] = round
            map[2] = nil
            map[2] = round
        }
        map[4] = 4  // 3 is now the oldest insertion
        #expect([map[1], map[2], map[3], map[4]] == [99, 99, nil, 4])
        map[5] = 5  // then 1
        #expect([map[1], map[2], map[3], map[4], map[5]] == [nil, 99, nil, 4, 5])
    }

    @Test func removeAllForgetsEverythingAndStartsAfresh() {
        var map = BoundedMap<String, Int>(limit: 2)
        map["a"] = 1
        map["b"] = 2
        map.removeAll()
        #expect(map.count == 0)
        map["c"] = 3
        map["d"] = 4
        map["e"] = 5
        #expect([map["a"], map["b"], map["c"], map["d"], map["e"]] == [nil, nil, nil, 4, 5])
    }

    @Test(arguments: [0, -5])
    func aLimitBelowOneKeepsOneKey(limit: Int) {
        var map = BoundedMap<String, Int>(limit: limit)
        map["a"] = 1
        map["b"] = 2
        #expect(map.limit == 1)
        #expect([map["a"], map["b"]] == [nil, 2])
    }

    /// Random insertions, updates and removals against the definition: the live keys ordered by
    /// their latest insertion, the first dropped while there are more than `limit`.
    @Test(arguments: [1, 2, 3, 8])
    func behavesLikeTheDefinition(limit: Int) {
        var map = BoundedMap<Int, Int>(limit: limit)
        var model: [(key: Int, value: Int)] = []
        var random = IDGenerator(seed: UInt64(limit))
        for step in 0..<20_000 {
            let key = Int(random.next() % UInt64(2 * limit + 3))
            if random.next() % 3 == 0 {
                map[key] = nil
                model.removeAll { $0.key == key }
            } else if let index = model.firstIndex(where: { $0.key == key }) {
                map[key] = step
                model[index].value = step
            } else {
                map[key] = step
                model.append((key, step))
                if model.count > limit { model.removeFirst() }
            }
            let expected = (0..<(2 * limit + 3)).map { key in model.first { $0.key == key }?.value }
            let actual = (0..<(2 * limit + 3)).map { map[$0] }
            if actual != expected {
                Issue.record("step \(step): \(actual) != \(expected)")
                return
            }
        }
        #expect(map.count == model.count)
    }
}
