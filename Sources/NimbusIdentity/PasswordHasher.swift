import Crypto
import Dispatch
import Foundation
import _CryptoExtras

/// Password hashes with PBKDF2-HMAC-SHA512 from swift-crypto (BoringSSL), in passlib's modular format
/// `$pbkdf2-sha512$<rounds>$<salt>$<checksum>` — the format Keystone's `pbkdf2_sha512` option writes, so the
/// rounds travel with each hash and can be raised later without breaking stored ones. See docs/identity.md.
public struct PasswordHasher: Sendable {
    public static let prefix = "$pbkdf2-sha512$"
    /// Keystone's `[identity] max_password_length`.
    public static let maxPasswordLength = 4096
    public var rounds: Int

    public init(rounds: Int = 210_000) {
        self.rounds = rounds
    }

    /// Hashes off Swift's cooperative pool: a KDF is deliberately slow and would stall other tasks.
    public func hash(_ password: String) async throws -> String {
        let rounds = rounds
        return try await Self.offPool {
            var salt = [UInt8](repeating: 0, count: 16)
            var rng = SystemRandomNumberGenerator()
            for i in salt.indices { salt[i] = rng.next() }
            let key = try Self.derive(password, salt: salt, rounds: rounds)
            return "\(Self.prefix)\(rounds)$\(Self.ab64(salt))$\(Self.ab64(key))"
        }
    }

    /// Constant-time check of `password` against a stored hash; false for malformed hashes.
    public func verify(_ password: String, against stored: String) async -> Bool {
        guard stored.hasPrefix(Self.prefix) else { return false }
        let parts = stored.dropFirst(Self.prefix.count).split(separator: "$", omittingEmptySubsequences: false)
        guard parts.count == 3, let rounds = Int(parts[0]), rounds > 0, let salt = Self.unab64(String(parts[1])),
              let expected = Self.unab64(String(parts[2])), !expected.isEmpty
        else { return false }
        let derived = try? await Self.offPool { try Self.derive(password, salt: salt, rounds: rounds, length: expected.count) }
        guard let derived, derived.count == expected.count else { return false }
        var diff: UInt8 = 0
        for (a, b) in zip(derived, expected) { diff |= a ^ b }
        return diff == 0
    }

    static func derive(_ password: String, salt: [UInt8], rounds: Int, length: Int = 64) throws -> [UInt8] {
        // `unsafeUncheckedRounds` only so tests may use fewer rounds; the configured default is OWASP's 210000.
        let key = try KDF.Insecure.PBKDF2.deriveKey(from: Array(password.utf8), salt: salt, using: .sha512,
                                                     outputByteCount: length, unsafeUncheckedRounds: rounds)
        return key.withUnsafeBytes { Array($0) }
    }

    static func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { c in
            DispatchQueue.global(qos: .userInitiated).async { c.resume(with: Result { try work() }) }
        }
    }

    /// passlib's "adapted base64": standard alphabet with '.' for '+', no padding.
    static func ab64(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: ".").replacingOccurrences(of: "=", with: "")
    }

    static func unab64(_ s: String) -> [UInt8]? {
        var b = s.replacingOccurrences(of: ".", with: "+")
        while b.count % 4 != 0 { b += "=" }
        return Data(base64Encoded: b).map { Array($0) }
    }
}
