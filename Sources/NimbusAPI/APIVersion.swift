import Foundation
import HTTPTypes

/// A compute API microversion (`2.X`), parsed from `OpenStack-API-Version: compute 2.X` or
/// `X-OpenStack-Nova-API-Version: 2.X`.
public struct APIVersion: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public init(_ major: Int, _ minor: Int) {
        self.major = major
        self.minor = minor
    }

    public static let min = APIVersion(2, 1)
    /// The newest microversion whose behaviour Nimbus implements; only this range is advertised.
    public static let max = APIVersion(2, 100)

    public static func < (a: APIVersion, b: APIVersion) -> Bool { (a.major, a.minor) < (b.major, b.minor) }

    public var description: String { "\(major).\(minor)" }

    static func parse(_ s: String) -> APIVersion? {
        let t = s.trimmingCharacters(in: .whitespaces)
        if t.lowercased() == "latest" { return .max }
        let parts = t.split(separator: ".")
        guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]) else { return nil }
        return APIVersion(a, b)
    }

    static let headerName = HTTPField.Name("OpenStack-API-Version")!
    static let legacyHeaderName = HTTPField.Name("X-OpenStack-Nova-API-Version")!

    /// Reads the request headers; nil header → 2.1; malformed → 400; out of range → 406 (Nova's rules).
    static func from(_ headers: HTTPFields) throws -> APIVersion {
        var raw: String?
        if let v = headers[headerName] {
            // "compute 2.37" (several services may be listed, comma separated)
            for item in v.split(separator: ",") {
                let words = item.split(separator: " ", omittingEmptySubsequences: true)
                if words.count == 2, words[0].lowercased() == "compute" { raw = String(words[1]) }
            }
        }
        if raw == nil { raw = headers[legacyHeaderName] }
        guard let raw else { return .min }
        guard let v = parse(raw) else {
            throw NovaError.badRequest("Invalid format of version string '\(raw)'. Expected format 'X.Y' or 'latest'.")
        }
        guard v >= .min && v <= .max else {
            throw NovaError(.notAcceptable, "Version \(v) is not supported by the API. Minimum is \(APIVersion.min) and maximum is \(APIVersion.max).")
        }
        return v
    }
}
