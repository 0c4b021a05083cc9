import Crypto
import Foundation

/// What a token carries (Fernet-like: ids and times only; names and roles are read at validation, so a
/// role removed or a user disabled takes effect at once).
struct TokenPayload: Codable, Sendable, Hashable {
    var userID: String
    var projectID: String?
    var methods: [String]
    var issuedAt: Date
    var expiresAt: Date
    var auditID: String
    /// The audit id of the token this one was rescoped from (Keystone's second `audit_ids` entry).
    var parentAuditID: String?

    enum CodingKeys: String, CodingKey {
        case userID = "u", projectID = "p", methods = "m", issuedAt = "i", expiresAt = "e", auditID = "a"
        case parentAuditID = "c"
    }
}

/// Signs and verifies tokens: `base64url(payload JSON) "." base64url(HMAC-SHA256(key, payload))`.
struct TokenCodec: Sendable {
    /// Raw key bytes: swift-crypto's `SymmetricKey` is not `Sendable` here, and building one per use is cheap.
    let keyBytes: [UInt8]
    var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    init(key: [UInt8]) { keyBytes = key }

    func encode(_ p: TokenPayload) throws -> String {
        let enc = JSONEncoder()
        enc.dateEncodingStrategy = .secondsSince1970
        let body = try enc.encode(p)
        let mac = HMAC<SHA256>.authenticationCode(for: body, using: key)
        return Self.b64url(body) + "." + Self.b64url(Data(mac))
    }

    /// The payload of a well-signed token (expiry is the caller's check), or nil.
    func decode(_ token: String) -> TokenPayload? {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard token.utf8.count < 8192, parts.count == 2, let body = Self.unb64url(String(parts[0])),
              let mac = Self.unb64url(String(parts[1])),
              HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key)
        else { return nil }
        let dec = JSONDecoder()
        dec.dateDecodingStrategy = .secondsSince1970
        return try? dec.decode(TokenPayload.self, from: body)
    }

    /// Loads the key from `path`, creating 32 random bytes (mode 0600) on first use. Creation goes through
    /// a temporary file and link(2), so two processes starting together end up with the same key.
    static func loadOrCreateKey(at path: String) throws -> [UInt8] {
        let fm = FileManager.default
        if let data = fm.contents(atPath: path), data.count >= 32 { return Array(data) }
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                               attributes: [.posixPermissions: 0o700])
        let key = SymmetricKey(size: .bits256)
        let tmp = path + ".\(UUID().uuidString)"
        guard fm.createFile(atPath: tmp, contents: key.withUnsafeBytes { Data($0) }, attributes: [.posixPermissions: 0o600])
        else { throw TokenKeyError(path: path) }
        defer { try? fm.removeItem(atPath: tmp) }
        if link(tmp, path) != 0 && errno != EEXIST { throw TokenKeyError(path: path) }
        guard let data = fm.contents(atPath: path), data.count >= 32 else { throw TokenKeyError(path: path) }
        return Array(data)
    }

    static func b64url(_ d: Data) -> String {
        d.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func unb64url(_ s: String) -> Data? {
        var b = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b)
    }

    /// Keystone's audit ids: 16 random bytes, url-safe base64 without padding (22 characters).
    static func newAuditID() -> String {
        var rng = SystemRandomNumberGenerator()
        return b64url(Data((0..<16).map { _ in UInt8.random(in: 0...255, using: &rng) }))
    }
}

public struct TokenKeyError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var description: String { "cannot read or create the token signing key at \(path)" }
}
