import Foundation
import NimbusJSON
import Logging
import NimbusKernel
import NimbusStore
import Synchronization

/// Settings of the built-in identity, from `[identity]` and `[token]`.
public struct IdentityConfig: Sendable {
    public var region: String
    public var tokenExpiration: TimeInterval
    public var passwordHashRounds: Int
    public var signingKeyFile: String
    /// How long a validation result is reused (`[token] cache_time`).
    public var cacheTime: TimeInterval

    public init(region: String = "RegionOne", tokenExpiration: TimeInterval = 3600, passwordHashRounds: Int = 210_000,
                signingKeyFile: String, cacheTime: TimeInterval = 5) {
        self.region = region
        self.cacheTime = cacheTime
        self.tokenExpiration = tokenExpiration
        self.passwordHashRounds = passwordHashRounds
        self.signingKeyFile = signingKeyFile
    }

    public init(config: NimbusConfig, statePath: String) throws {
        let expiration = try IdentityOptions.tokenExpiration.read(config)
        guard expiration > 0 else {
            throw ConfigError.invalidValue(source: config.source("token", "expiration"), section: "token",
                                           option: "expiration", value: "\(expiration)", expected: "a positive number")
        }
        let rounds = try IdentityOptions.passwordHashRounds.read(config)
        guard rounds >= 1000 else {
            throw ConfigError.invalidValue(source: config.source("identity", "password_hash_rounds"), section: "identity",
                                           option: "password_hash_rounds", value: "\(rounds)", expected: "at least 1000")
        }
        self.init(region: IdentityOptions.region.read(config),
                  tokenExpiration: TimeInterval(expiration), passwordHashRounds: rounds,
                  signingKeyFile: IdentityOptions.signingKeyFile.read(config)
                      ?? (statePath as NSString).appendingPathComponent("identity/token.key"),
                  cacheTime: max(0, try IdentityOptions.tokenCacheTime.read(config)))
    }
}

/// A token that passed validation: its payload and what the store says about its subject now.
public struct ValidatedToken: Sendable, Hashable {
    var payload: TokenPayload
    public var subject: TokenSubject
    public var expiresAt: Date { payload.expiresAt }
    public var roleNames: [String] { subject.roles.map(\.name) }
    public var isAdmin: Bool { roleNames.contains("admin") }

    public var authContext: AuthContext {
        AuthContext(userID: subject.user.id, userName: subject.user.name, projectID: subject.project?.id ?? "",
                    projectName: subject.project?.name ?? "", roles: roleNames)
    }
}

/// The built-in Keystone: issues, validates and revokes signed tokens against the store's users,
/// projects and role assignments, and renders the catalog.
public final class IdentityService: Sendable {
    public let store: NimbusStore
    public let hasher: PasswordHasher
    public let config: IdentityConfig
    let codec: TokenCodec
    let catalog: CatalogBuilder
    let logger: Logger
    /// Recent validations by token: every Compute API request validates, and the store reads cost more than
    /// the request itself. Cleared on any identity write in this process; other processes see changes
    /// within `cacheTime` (keystonemiddleware's `token_cache_time` is the same trade, at 300 s).
    private let cache = Mutex<[String: (token: ValidatedToken, until: Date)]>([:])

    public init(store: NimbusStore, config: IdentityConfig, catalog: CatalogProvider? = nil, logger: Logger) throws {
        self.store = store
        self.config = config
        hasher = PasswordHasher(rounds: config.passwordHashRounds)
        codec = TokenCodec(key: try TokenCodec.loadOrCreateKey(at: config.signingKeyFile))
        self.catalog = CatalogBuilder(store: store, region: config.region, provider: catalog)
        self.logger = logger
    }

    /// The validator the Compute and Image APIs use for `X-Auth-Token`.
    public var tokenValidator: any TokenValidator { LocalTokenValidator(identity: self) }

    func issue(userID: String, projectID: String?, methods: [String], expiresAt: Date? = nil,
               parentAuditID: String? = nil) throws -> (token: String, payload: TokenPayload) {
        let now = Date()
        let payload = TokenPayload(userID: userID, projectID: projectID, methods: methods, issuedAt: now,
                                   expiresAt: expiresAt ?? now.addingTimeInterval(config.tokenExpiration),
                                   auditID: TokenCodec.newAuditID(), parentAuditID: parentAuditID)
        return (try codec.encode(payload), payload)
    }

    /// Checks signature, expiry, revocation and that the user, project and domains still exist and are enabled.
    public func validate(_ token: String) async throws -> ValidatedToken {
        let now = Date()
        if config.cacheTime > 0, let hit = cache.withLock({ $0[token] }), hit.until > now { return hit.token }
        let validated = try await validateUncached(token)
        if config.cacheTime > 0 {
            cache.withLock { c in
                if c.count >= 10_000 { c = c.filter { $0.value.until > now } }
                if c.count < 10_000 { c[token] = (validated, min(validated.expiresAt, now.addingTimeInterval(config.cacheTime))) }
            }
        }
        return validated
    }

    /// Forgets cached validations (after any change to users, projects, roles, grants or revocations).
    public func invalidateCache() {
        cache.withLock { $0.removeAll() }
    }

    func validateUncached(_ token: String) async throws -> ValidatedToken {
        guard let payload = codec.decode(token) else { throw TokenError.invalid("malformed or badly signed token") }
        guard payload.expiresAt > Date() else { throw TokenError.invalid("token expired") }
        guard let subject = try await store.tokenSubject(userID: payload.userID, projectID: payload.projectID,
                                                         auditID: payload.auditID)
        else { throw TokenError.invalid("the token's user or project no longer exists") }
        if subject.revoked { throw TokenError.invalid("token revoked") }
        if let parent = payload.parentAuditID,
           try await store.tokenSubject(userID: payload.userID, projectID: nil, auditID: parent)?.revoked == true {
            throw TokenError.invalid("the token it was rescoped from is revoked")
        }
        guard subject.user.enabled, subject.userDomain.enabled else { throw TokenError.invalid("user disabled") }
        if let p = subject.project {
            guard p.enabled, subject.projectDomain?.enabled == true else { throw TokenError.invalid("project disabled") }
            guard !subject.roles.isEmpty else { throw TokenError.invalid("user has no role on the project any more") }
        }
        return ValidatedToken(payload: payload, subject: subject)
    }

    public func revoke(_ token: ValidatedToken) async throws {
        try await store.revokeToken(auditID: token.payload.auditID, expiresAt: token.payload.expiresAt)
        invalidateCache()
    }

    /// Keystone's token body.
    func tokenBody(_ t: ValidatedToken, catalog withCatalog: Bool) async throws -> JSON {
        let s = t.subject
        var token: [String: JSON] = [
            "methods": .array(t.payload.methods.map(JSON.string)),
            "expires_at": .string(KeystoneTime.format(t.payload.expiresAt)),
            "issued_at": .string(KeystoneTime.format(t.payload.issuedAt)),
            "audit_ids": .array(([t.payload.auditID] + (t.payload.parentAuditID.map { [$0] } ?? [])).map(JSON.string)),
            "user": ["id": .string(s.user.id), "name": .string(s.user.name),
                     "domain": ["id": .string(s.userDomain.id), "name": .string(s.userDomain.name)],
                     "password_expires_at": .null],
        ]
        if let p = s.project {
            token["project"] = ["id": .string(p.id), "name": .string(p.name),
                                "domain": ["id": .string(p.domainID), "name": .string(s.projectDomain?.name ?? "")]]
            token["is_domain"] = false
            token["roles"] = .array(s.roles.map { ["id": .string($0.id), "name": .string($0.name)] })
            if withCatalog { token["catalog"] = try await catalog.catalogJSON() }
        }
        return ["token": .object(token)]
    }
}

/// `TokenValidator` over the built-in identity: project-scoped tokens only (the services need a project).
struct LocalTokenValidator: TokenValidator {
    let identity: IdentityService

    func validate(token: String) async throws -> AuthContext {
        let t: ValidatedToken
        do { t = try await identity.validate(token) } catch let e as TokenError { throw e } catch {
            identity.logger.error("token validation failed: \(error)")
            throw TokenError.invalid("token validation failed")
        }
        guard t.subject.project != nil else { throw TokenError.invalid("token is not scoped to a project") }
        return t.authContext
    }
}
