// A bounded map from a query's literal-free text to its finished analysis.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Keyed by `QueryHash` and verified byte for byte against the stored literal-free text, so two
/// texts share an entry only when they differ in nothing but literal values.
///
/// Bounded twice: at most `capacity` entries and at most `byteLimit` bytes of keys and texts; a
/// text longer than a 64th of `byteLimit` is never stored (it would evict too much). Eviction is
/// CLOCK (second chance): a hit marks its entry, the hand clears marks and evicts the first
/// unmarked entry, which approximates LRU at the cost of one flag per hit.
struct AnalysisCache {
    private struct Entry {
        var hash: UInt64
        var key: [UInt8]
        var captureTruncated: Bool
        var analysis: QueryAnalysis
        var size: Int
    }

    let capacity: Int
    let byteLimit: Int
    private var slotByHash: [UInt64: Int] = [:]
    private var entries: [Entry?] = []
    private var referenced: [Bool] = []
    private var freeSlots: [Int] = []
    private var hand = 0
    private(set) var storedBytes = 0
    private(set) var count = 0

    init(capacity: Int, byteLimit: Int) {
        self.capacity = max(0, capacity)
        self.byteLimit = max(0, byteLimit)
        slotByHash.reserveCapacity(min(self.capacity, 1 << 16))
    }

    mutating func lookup(hash: UInt64, key: UnsafeRawBufferPointer, captureTruncated: Bool) -> QueryAnalysis? {
        // the entry is read in place: copying it would retain every string it holds
        guard let slot = slotByHash[hash], entries[slot] != nil else { return nil }
        guard entries[slot]!.captureTruncated == captureTruncated, entries[slot]!.key.count == key.count else { return nil }
        let same = entries[slot]!.key.withUnsafeBytes { stored in
            stored.count == 0 || memcmp(stored.baseAddress!, key.baseAddress!, key.count) == 0
        }
        guard same else { return nil }
        referenced[slot] = true
        return entries[slot]!.analysis
    }

    mutating func insert(hash: UInt64, key: UnsafeRawBufferPointer, captureTruncated: Bool, analysis: QueryAnalysis) {
        let size = key.count + (analysis.text?.utf8.count ?? 0) + (analysis.summary?.utf8.count ?? 0) + 160
        guard capacity > 0, size <= byteLimit / 64 else { return }
        if let slot = slotByHash[hash] { release(slot) }
        while count >= capacity || storedBytes + size > byteLimit {
            guard count > 0 else { return }
            evictOne()
        }
        let entry = Entry(hash: hash, key: Array(key), captureTruncated: captureTruncated, analysis: analysis, size: size)
        let slot: Int
        if let free = freeSlots.popLast() {
            slot = free
            entries[slot] = entry
            referenced[slot] = false
        } else {
            slot = entries.count
            entries.append(entry)
            referenced.append(false)
        }
        slotByHash[hash] = slot
        storedBytes += size
        count += 1
    }

    private mutating func evictOne() {
        while true {
            if hand >= entries.count { hand = 0 }
            let slot = hand
            hand += 1
            guard entries[slot] != nil else { continue }
            if referenced[slot] {
                referenced[slot] = false
                continue
            }
            release(slot)
            return
        }
    }

    private mutating func release(_ slot: Int) {
        guard let entry = entries[slot] else { return }
        slotByHash[entry.hash] = nil
        entries[slot] = nil
        referenced[slot] = false
        freeSlots.append(slot)
        storedBytes -= entry.size
        count -= 1
    }
}
