import Crypto
import Foundation
import GRDB
import NimbusKernel

/// A console authorisation (Nova's `ConsoleAuthToken` object): where the proxy may connect for one instance.
public struct ConsoleAuthToken: Sendable, Hashable {
    public var instanceUUID: UUID
    /// `novnc`, `serial`, …
    public var consoleType: String
    public var host: String
    public var port: Int
    public var tlsPort: Int?
    public var internalAccessPath: String?
    public var accessURLBase: String
    /// Epoch seconds (as Nova stores it).
    public var expires: Int

    public init(instanceUUID: UUID, consoleType: String, host: String, port: Int, tlsPort: Int? = nil,
                internalAccessPath: String? = nil, accessURLBase: String, expires: Int = 0) {
        self.instanceUUID = instanceUUID
        self.consoleType = consoleType
        self.host = host
        self.port = port
        self.tlsPort = tlsPort
        self.internalAccessPath = internalAccessPath
        self.accessURLBase = accessURLBase
        self.expires = expires
    }

    /// Nova's `access_url`: for noVNC the token goes inside the `path` query value (noVNC ≥ 1.1 reads the
    /// websocket path from it), keeping any `path` the base already has; otherwise `<base>?token=<token>`.
    public func accessURL(token: String) -> String {
        guard consoleType == "novnc", var c = URLComponents(string: accessURLBase) else {
            return "\(accessURLBase)?token=\(token)"
        }
        var items = c.queryItems ?? []
        let path = (items.first { $0.name == "path" }?.value ?? "") + "?token=\(token)"
        items.removeAll { $0.name == "path" }
        items.append(URLQueryItem(name: "path", value: path))
        // urlencode (quote_plus): only letters, digits and `_.-~` stay as they are.
        let safe = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~")
        c.percentEncodedQuery = items.map { item in
            let enc = { (s: String) in s.addingPercentEncoding(withAllowedCharacters: safe) ?? s }
            return item.value.map { "\(enc(item.name))=\(enc($0))" } ?? enc(item.name)
        }.joined(separator: "&")
        return c.string ?? "\(accessURLBase)?path=\(path)"
    }

    static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

extension NimbusStore {
    /// Nova's `ConsoleAuthToken.authorize`: a new random token valid for `ttl` seconds, of which only the hash
    /// is stored; nil when the instance is gone (deleted meanwhile). Sweeps expired rows on the way (Nova's
    /// compute periodic does it; here every new token pays for it, so the table never grows without bound).
    public func authorizeConsole(_ t: ConsoleAuthToken, ttl: Int, now: Date = Date()) async throws -> (token: String, expires: Int)? {
        let token = UUID().uuidString.lowercased()
        let epoch = Int(now.timeIntervalSince1970)
        let expires = epoch + max(ttl, 0)
        let inserted = try await db.write { db -> Bool in
            try db.execute(sql: "DELETE FROM console_auth_tokens WHERE expires <= ?", arguments: [epoch])
            try db.execute(sql: """
                INSERT INTO console_auth_tokens (token_hash, console_type, host, port, tls_port, internal_access_path,
                    instance_uuid, access_url_base, expires, created_at)
                SELECT ?, ?, ?, ?, ?, ?, uuid, ?, ?, ? FROM instances WHERE uuid = ? AND deleted = 0
                """, arguments: [ConsoleAuthToken.hash(token), t.consoleType, t.host, t.port, t.tlsPort,
                                 t.internalAccessPath, t.accessURLBase, expires, now.dbValue, t.instanceUUID.db])
            return db.changesCount == 1
        }
        return inserted ? (token, expires) : nil
    }

    /// Nova's `ConsoleAuthToken.validate`: the unexpired authorisation for this token, nil otherwise. Not
    /// single-use: a token is valid any number of times until it expires.
    public func validConsoleToken(_ token: String, now: Date = Date()) async throws -> ConsoleAuthToken? {
        // A token is a UUID; anything much longer is not one of ours, so do not hash what a client sends unbounded.
        guard !token.isEmpty, token.utf8.count <= 128 else { return nil }
        let hash = ConsoleAuthToken.hash(token)
        return try await db.read { db in
            guard let r = try Row.fetchOne(db, sql: """
                SELECT * FROM console_auth_tokens WHERE token_hash = ? AND expires > ?
                """, arguments: [hash, Int(now.timeIntervalSince1970)]) else { return nil }
            guard let uuid = UUID(uuidString: r["instance_uuid"]) else { return nil }
            return ConsoleAuthToken(instanceUUID: uuid, consoleType: r["console_type"], host: r["host"], port: r["port"],
                                    tlsPort: r["tls_port"], internalAccessPath: r["internal_access_path"],
                                    accessURLBase: r["access_url_base"], expires: r["expires"])
        }
    }

    /// Deletes expired tokens (Nova's `_cleanup_expired_console_auth_tokens`); returns how many.
    @discardableResult
    public func purgeExpiredConsoleTokens(now: Date = Date()) async throws -> Int {
        try await db.write { db in
            try db.execute(sql: "DELETE FROM console_auth_tokens WHERE expires <= ?",
                           arguments: [Int(now.timeIntervalSince1970)])
            return db.changesCount
        }
    }

    /// Rows (expired or not) held for an instance.
    public func consoleTokenCount(instance: UUID) async throws -> Int {
        try await db.read { db in
            try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM console_auth_tokens WHERE instance_uuid = ?",
                             arguments: [instance.db]) ?? 0
        }
    }
}
