/// An IPv4 CIDR parsed enough for dnsmasq's `--dhcp-range` and `ip addr add` (`10.0.0.0/24`).
struct IPv4Network: Hashable {
    var address: UInt32
    var prefix: Int

    init?(_ cidr: String) {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let prefix = Int(parts[1]), (0...32).contains(prefix),
              let address = IPv4Network.parse(String(parts[0])) else { return nil }
        self.address = address
        self.prefix = prefix
    }

    static func parse(_ s: String) -> UInt32? {
        let octets = s.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4 else { return nil }
        var v: UInt32 = 0
        for o in octets {
            guard o.count <= 3, let n = UInt32(o), n < 256 else { return nil }
            v = v << 8 | n
        }
        return v
    }

    static func format(_ v: UInt32) -> String {
        [24, 16, 8, 0].map { String((v >> UInt32($0)) & 255) }.joined(separator: ".")
    }

    var mask: UInt32 { prefix == 0 ? 0 : UInt32.max << UInt32(32 - prefix) }
    var networkAddress: String { Self.format(address & mask) }
    var netmask: String { Self.format(mask) }

    /// True for a dotted quad (what may go into a command line or the hosts file).
    static func isAddress(_ s: String) -> Bool { parse(s) != nil }
    /// True for `a.b.c.d` or `a.b.c.d/n`.
    static func isPrefix(_ s: String) -> Bool { isAddress(s) || IPv4Network(s) != nil }
    /// True for `aa:bb:cc:dd:ee:ff`.
    static func isMAC(_ s: String) -> Bool {
        let parts = s.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }
    }
}
