import Foundation

/// A JSON value for building and reading API bodies with Nova's exact keys (many contain ':' and '-').
public enum JSON: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([String: JSON])

    public subscript(key: String) -> JSON? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var object: [String: JSON]? { if case .object(let o) = self { o } else { nil } }
    public var array: [JSON]? { if case .array(let a) = self { a } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var isNull: Bool { self == .null }

    /// An integer, accepting integral doubles and (like Nova's schema for counts) numeric strings.
    public var int: Int? {
        switch self {
        case .int(let i): i
        case .double(let d) where d.rounded() == d: Int(exactly: d)
        case .string(let s): Int(s)
        default: nil
        }
    }

    public var number: Double? {
        switch self {
        case .int(let i): Double(i)
        case .double(let d): d
        case .string(let s): Double(s)
        default: nil
        }
    }

    public static func optional(_ s: String?) -> JSON { s.map(JSON.string) ?? .null }
    public static func optional(_ i: Int?) -> JSON { i.map(JSON.int) ?? .null }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral v: String) { self = .string(v) }
    public init(integerLiteral v: Int) { self = .int(v) }
    public init(booleanLiteral v: Bool) { self = .bool(v) }
    public init(floatLiteral v: Double) { self = .double(v) }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSON)...) {
        // Last value wins for a repeated key, as `Dictionary(_:uniquingKeysWith:)` did, without its generic merge
        // (every server of a listing builds several of these).
        var o = [String: JSON](minimumCapacity: elements.count)
        for (k, v) in elements { o[k] = v }
        self = .object(o)
    }
    public init(nilLiteral: ()) { self = .null }
}

extension JSON: Codable {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null }
        else if let b = try? c.decode(Bool.self) { self = .bool(b) }
        else if let i = try? c.decode(Int.self) { self = .int(i) }
        else if let d = try? c.decode(Double.self) { self = .double(d) }
        else if let s = try? c.decode(String.self) { self = .string(s) }
        else if let a = try? c.decode([JSON].self) { self = .array(a) }
        else { self = .object(try c.decode([String: JSON].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .null: try c.encodeNil()
        case .bool(let b): try c.encode(b)
        case .int(let i): try c.encode(i)
        case .double(let d): try c.encode(d)
        case .string(let s): try c.encode(s)
        case .array(let a): try c.encode(a)
        case .object(let o): try c.encode(o)
        }
    }
}

extension JSON {
    /// Serializes directly to bytes: JSONEncoder through Codable costs several times more, and
    /// `/servers/detail` with 1,000 servers is dominated by encoding.
    public func encoded() -> Data { Data(encodedBytes()) }

    /// The serialization as an array (what the HTTP body is built from, without a copy through `Data`).
    public func encodedBytes() -> [UInt8] {
        var out = JSONSink(capacity: 4096)
        defer { out.deallocate() }
        write(to: &out)
        return Array(out.bytes)
    }

    func write(to out: inout JSONSink) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): Self.writeInt(i, to: &out)
        case .double(let d):
            if d.isFinite { out.append(contentsOf: "\(d)".utf8) } else { out.append(contentsOf: "null".utf8) }
        case .string(let s): Self.writeString(s, to: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            var first = true
            for v in a {
                if !first { out.append(UInt8(ascii: ",")) }
                first = false
                v.write(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o): Self.writeMap(o, to: &out) { v, out in v.write(to: &out) }
        }
    }

    /// A dictionary as an object, each value written by `value`.
    static func writeMap<V>(_ map: [String: V], to out: inout JSONSink, value: (V, inout JSONSink) -> Void) {
        out.append(UInt8(ascii: "{"))
        var first = true
        for (k, v) in map {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            writeString(k, to: &out)
            out.append(UInt8(ascii: ":"))
            value(v, &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    /// Decimal digits without going through `String(i)`.
    static func writeInt(_ i: Int, to out: inout JSONSink) {
        if i >= 0 && i < 10 { out.append(UInt8(truncatingIfNeeded: 48 + i)); return }
        if i < 0 { out.append(UInt8(ascii: "-")) }
        var v = i.magnitude
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                      UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { d in
            var n = d.count
            repeat {
                n -= 1
                d[n] = UInt8(truncatingIfNeeded: 48 + v % 10)
                v /= 10
            } while v > 0
            for k in n..<d.count { out.append(d[k]) }
        }
    }

    static func writeString(_ s: String, to out: inout JSONSink) {
        out.append(UInt8(ascii: "\""))
        writeStringContent(s, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A string's escaped content without the quotes (links are written from several pieces).
    static func writeStringContent(_ s: String, to out: inout JSONSink) {
        // Most strings need no escaping: copy them whole.
        let plain = s.utf8.withContiguousStorageIfAvailable { b -> Bool in
            guard !needsEscaping(b) else { return false }
            out.append(b)
            return true
        } ?? false
        if !plain { writeEscaped(s, to: &out) }
    }

    /// Whether any byte is a control character, '"' or '\\', eight bytes at a time (the scan of every string of a
    /// 1.7 MB listing showed in profiles). Each test is "some byte of the word is zero" on a transformed word,
    /// which has no false negatives; a false positive only costs the byte-wise escaping path.
    static func needsEscaping(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ w: UInt64) -> Bool { (w &- ones) & ~w & highs != 0 }
        var i = 0
        if let base = b.baseAddress {
            let raw = UnsafeRawPointer(base)
            while i + 8 <= b.count {
                let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                // Bytes below 0x20: subtracting 0x20 borrows into the high bit of a byte without it set.
                if (w &- ones &* 0x20) & ~w & highs != 0 || hasZero(w ^ (ones &* 0x22)) || hasZero(w ^ (ones &* 0x5C)) {
                    return true
                }
                i += 8
            }
        }
        while i < b.count {
            let c = b[i]
            if c < 0x20 || c == UInt8(ascii: "\"") || c == UInt8(ascii: "\\") { return true }
            i += 1
        }
        return false
    }

    private static func writeEscaped(_ s: String, to out: inout JSONSink) {
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
    }

    public static func decode(_ data: Data) throws -> JSON { try JSONDecoder().decode(JSON.self, from: data) }

    /// A short rendering for error messages (Python-ish, as Nova's messages quote values).
    var brief: String {
        switch self {
        case .string(let s): "'\(s)'"
        case .null: "None"
        case .bool(let b): b ? "True" : "False"
        default: String(decoding: encoded(), as: UTF8.self)
        }
    }
}

/// The growing byte buffer JSON is written into: `[UInt8]`'s per-append uniqueness and capacity checks showed
/// in `/servers/detail` profiles (tens of thousands of small appends per page). The owner deallocates it.
struct JSONSink {
    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var count = 0
    private var capacity: Int

    init(capacity: Int) {
        self.capacity = max(capacity, 64)
        base = .allocate(capacity: self.capacity)
    }

    var bytes: UnsafeBufferPointer<UInt8> { UnsafeBufferPointer(start: base, count: count) }

    func deallocate() { base.deallocate() }

    private mutating func reserve(_ n: Int) {
        guard count + n > capacity else { return }
        let newCapacity = max(capacity * 2, count + n)
        let grown = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        grown.update(from: base, count: count)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    mutating func append(_ b: UInt8) {
        reserve(1)
        base[count] = b
        count += 1
    }

    mutating func append(_ b: UnsafeBufferPointer<UInt8>) {
        guard let src = b.baseAddress, b.count > 0 else { return }
        reserve(b.count)
        (base + count).update(from: src, count: b.count)
        count += b.count
    }

    /// Lets `body` write at most `n` bytes in place; it returns how many it wrote.
    mutating func write(reserving n: Int, _ body: (UnsafeMutableBufferPointer<UInt8>) -> Int) {
        reserve(n)
        count += min(n, body(UnsafeMutableBufferPointer(start: base + count, count: n)))
    }

    /// Strings (literals most of all) copied whole rather than byte by byte through the generic path below.
    mutating func append(contentsOf s: String.UTF8View) {
        if s.withContiguousStorageIfAvailable({ append($0) }) == nil { for b in s { append(b) } }
    }

    mutating func append(contentsOf s: some Sequence<UInt8>) {
        for b in s { append(b) }
    }
}
