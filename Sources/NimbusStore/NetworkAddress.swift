import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An IPv4 or IPv6 address as a 128-bit number, for subnet arithmetic (pools, gateways, allocation).
/// Parsing and printing go through inet_pton/inet_ntop, so IPv6 text is canonical (RFC 5952) as Neutron shows it.
public struct IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var version: Int
    public var value: UInt128

    public init(version: Int, value: UInt128) {
        self.version = version
        self.value = value
    }

    /// nil unless `text` is a plain dotted-quad IPv4 or an IPv6 address (no zone, no prefix).
    public init?(_ text: String) {
        guard text.utf8.count <= 45, !text.contains("%") else { return nil }
        if text.contains(":") {
            var a = in6_addr()
            guard inet_pton(AF_INET6, text, &a) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &a) { Array($0) }
            version = 6
            value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        } else {
            var a = in_addr()
            guard inet_pton(AF_INET, text, &a) == 1 else { return nil }
            let bytes = withUnsafeBytes(of: &a) { Array($0) }
            version = 4
            value = bytes.reduce(UInt128(0)) { $0 << 8 | UInt128($1) }
        }
    }

    public var bits: Int { version == 4 ? 32 : 128 }

    public var description: String {
        if version == 4 {
            let v = UInt32(truncatingIfNeeded: value)
            return "\(v >> 24).\(v >> 16 & 0xFF).\(v >> 8 & 0xFF).\(v & 0xFF)"
        }
        var a = in6_addr()
        withUnsafeMutableBytes(of: &a) { buf in
            for i in 0..<16 { buf[i] = UInt8(truncatingIfNeeded: value >> UInt128(8 * (15 - i))) }
        }
        var out = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        guard inet_ntop(AF_INET6, &a, &out, socklen_t(out.count)) != nil else { return "::" }
        return String(decoding: out.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    public static func < (a: IPAddress, b: IPAddress) -> Bool { (a.version, a.value) < (b.version, b.value) }

    public func adding(_ n: UInt128) -> IPAddress { IPAddress(version: version, value: value &+ n) }
}

/// A CIDR such as `10.0.0.0/24` or `fd00::/64`.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public var address: IPAddress
    public var prefix: Int

    /// nil unless `text` is `address/prefix` with a prefix the family allows.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let a = IPAddress(String(parts[0])), parts[1].count <= 3, let p = Int(parts[1]),
              p >= 0, p <= a.bits else { return nil }
        address = a
        prefix = p
    }

    public init(address: IPAddress, prefix: Int) {
        self.address = address
        self.prefix = prefix
    }

    var hostMask: UInt128 {
        let hostBits = address.bits - prefix
        return hostBits >= 128 ? UInt128.max : (UInt128(1) << UInt128(hostBits)) - 1
    }

    public var first: IPAddress { IPAddress(version: address.version, value: address.value & ~hostMask) }
    public var last: IPAddress { IPAddress(version: address.version, value: address.value | hostMask) }
    /// True when the address has no host bits set (Neutron refuses `10.0.0.1/24` as a subnet's cidr).
    public var isCanonical: Bool { address.value & hostMask == 0 }
    public var description: String { "\(first)/\(prefix)" }

    public func contains(_ a: IPAddress) -> Bool {
        a.version == address.version && a.value >= first.value && a.value <= last.value
    }

    public func overlaps(_ o: IPNetwork) -> Bool {
        o.address.version == address.version && o.first.value <= last.value && first.value <= o.last.value
    }
}

/// An allocation pool: an inclusive range of addresses.
public struct IPRange: Sendable, Hashable, Codable {
    public var start: String
    public var end: String

    public init(start: String, end: String) {
        self.start = start
        self.end = end
    }
}
