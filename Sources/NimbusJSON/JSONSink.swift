/// The growing byte buffer JSON is written into: `[UInt8]`'s per-append uniqueness and capacity checks showed
/// in `/servers/detail` profiles (tens of thousands of small appends per page). The owner deallocates it.
public struct JSONSink {
    @usableFromInline var base: UnsafeMutablePointer<UInt8>
    @usableFromInline var _count = 0
    @usableFromInline var capacity: Int

    @inlinable public var count: Int { _count }

    @inlinable
    public init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    @inlinable public var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: _count) }

    @inlinable public func deallocate() { base.deallocate() }

    @inlinable
    mutating func reserve(_ n: Int) {
        if _count + n > capacity { grow(n) }
    }

    /// Out of line: the rare path, kept out of every inlined append.
    @usableFromInline @inline(never)
    mutating func grow(_ n: Int) {
        let newCapacity = max(capacity * 2, _count + n)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: _count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    @inlinable
    public mutating func append(_ b: UInt8) {
        reserve(1)
        base[_count] = b
        _count += 1
    }

    @inlinable
    public mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        guard let src = b.baseAddress, b.count > 0 else { return }
        reserve(b.count)
        (base + _count).update(from: src, count: b.count)
        _count += b.count
    }

    /// Lets `body` write at most `n` bytes in place; it returns how many it wrote.
    @inlinable
    public mutating func write(reserving n: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        reserve(n)
        _count += min(n, body(UnsafeMutableBufferPointer(start: base + _count, count: n)))
    }

    /// Strings (literals most of all) copied whole rather than byte by byte through the generic path below.
    @inlinable
    public mutating func append(contentsOf s: String.UTF8View) {
        if s.withContiguousStorageIfAvailable({ append($0) }) == nil { for b in s { append(b) } }
    }

    @inlinable
    public mutating func append(contentsOf s: some Sequence<UInt8>) {
        for b in s { append(b) }
    }
}
