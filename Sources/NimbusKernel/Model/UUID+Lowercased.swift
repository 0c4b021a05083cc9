import Foundation

extension UUID {
    /// `uuidString.lowercased()` (how ids are stored and shown) without Foundation's snprintf-based formatting
    /// and a second string for the lowercasing: listings format one or more per row.
    public var lowercasedString: String {
        withUnsafeBytes(of: uuid) { b in
            String(unsafeUninitializedCapacity: 36) { out in
                let hex = Array("0123456789abcdef".utf8)
                var n = 0
                for (k, byte) in b.enumerated() {
                    if k == 4 || k == 6 || k == 8 || k == 10 { out[n] = UInt8(ascii: "-"); n += 1 }
                    out[n] = hex[Int(byte >> 4)]
                    out[n + 1] = hex[Int(byte & 0xF)]
                    n += 2
                }
                return n
            }
        }
    }
}
