import Foundation

/// Serialization straight to bytes (the per-field writers are inlinable: `/servers/detail` in NimbusAPI writes
/// each field through them, and a call per field across the module boundary would show in the listing).
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

    /// Not inlinable: a whole value is written inside this module (the listing writes fields itself, below).
    public func write(to out: inout JSONSink) {
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
    @inlinable
    public static func writeMap<V>(_ map: [String: V], to out: inout JSONSink, value: (V, inout JSONSink) -> Void) {
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
    @inlinable
    public static func writeInt(_ i: Int, to out: inout JSONSink) {
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

    @inlinable
    public static func writeString(_ s: String, to out: inout JSONSink) {
        out.append(UInt8(ascii: "\""))
        writeStringContent(s, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// A string's escaped content without the quotes (links are written from several pieces).
    @inlinable
    public static func writeStringContent(_ s: String, to out: inout JSONSink) {
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
    @inlinable
    public static func needsEscaping(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
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

    @usableFromInline
    static func writeEscaped(_ s: String, to out: inout JSONSink) {
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
}
