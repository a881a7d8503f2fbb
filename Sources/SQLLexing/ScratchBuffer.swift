// A growable buffer reused across calls, so the per-statement hot path allocates nothing once warm:
// the lexer's tokens, and QueryText's redactions and texts. What other modules use is inlinable, so
// that each element type is specialized where it is used, and reaches the storage only through the
// buffer's own members: a direct access from another module would check exclusivity at run time,
// on every token (a buffer has one owner, on one thread).

/// Contiguous storage that keeps its capacity when cleared. Elements must be trivial (no references):
/// they are never deinitialized.
public final class ScratchBuffer<Element> {
    @exclusivity(unchecked) @usableFromInline var storage: UnsafeMutablePointer<Element>
    @exclusivity(unchecked) @usableFromInline var used = 0
    @exclusivity(unchecked) @usableFromInline var capacity: Int

    public init(capacity: Int) {
        self.capacity = max(capacity, 16)
        storage = .allocate(capacity: self.capacity)
    }

    deinit { storage.deallocate() }

    @inlinable public var base: UnsafeMutablePointer<Element> { storage }

    @inlinable public var count: Int { used }

    @inlinable public var isEmpty: Bool { used == 0 }

    @inlinable public subscript(index: Int) -> Element {
        get { storage[index] }
        set { storage[index] = newValue }
    }

    @inlinable public func append(_ element: Element) {
        if used == capacity { grow(to: used + 1) }
        (storage + used).initialize(to: element)
        used += 1
    }

    @inlinable public func removeAll() { used = 0 }

    @inlinable public func removeLast(_ n: Int = 1) { used -= n }

    @inlinable public func reserve(_ minimum: Int) {
        if minimum > capacity { grow(to: minimum) }
    }

    @inlinable public var buffer: UnsafeBufferPointer<Element> { UnsafeBufferPointer(start: storage, count: used) }

    @usableFromInline func grow(to minimum: Int) {
        var newCapacity = capacity * 2
        while newCapacity < minimum { newCapacity *= 2 }
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.moveInitialize(from: storage, count: used)
        storage.deallocate()
        storage = newBase
        capacity = newCapacity
    }
}

extension ScratchBuffer where Element == UInt8 {
    @inlinable public func append(contentsOf bytes: UnsafeBufferPointer<UInt8>) {
        guard let source = bytes.baseAddress, bytes.count > 0 else { return }
        reserve(used + bytes.count)
        (storage + used).initialize(from: source, count: bytes.count)
        used += bytes.count
    }

    @inlinable public func append(_ string: StaticString) {
        append(contentsOf: UnsafeBufferPointer(start: string.utf8Start, count: string.utf8CodeUnitCount))
    }

    @inlinable public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(buffer) }
}
