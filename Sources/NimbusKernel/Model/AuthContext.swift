/// Who is calling: the identity a validated token carries (Keystone's token body, the parts policy needs).
public struct AuthContext: Codable, Sendable, Hashable {
    public var userID: String
    public var userName: String
    public var projectID: String
    public var projectName: String
    public var roles: [String]

    public init(userID: String, userName: String, projectID: String, projectName: String, roles: [String]) {
        self.userID = userID
        self.userName = userName
        self.projectID = projectID
        self.projectName = projectName
        self.roles = roles
    }

    public var isAdmin: Bool { roles.contains("admin") }
    /// Nova's default policy: admin implies member implies reader.
    public var isMember: Bool { isAdmin || roles.contains("member") }
    public var isReader: Bool { isMember || roles.contains("reader") }
}

/// Validates a token (`X-Auth-Token`) for the services that accept them: the built-in identity service
/// implements it; `[api] auth_strategy = keystone` plugs in one that asks an external Keystone.
public protocol TokenValidator: Sendable {
    /// Returns the caller's identity, or throws `TokenError.invalid` for a missing, bad or expired token.
    func validate(token: String) async throws -> AuthContext
}

public enum TokenError: Error, Sendable, Hashable {
    case invalid(String)
}

/// Options of the built-in Identity v3 and Image v2 services and of external-Keystone validation
/// (names follow keystone.conf, glance-api.conf and keystonemiddleware where they have one).
public enum IdentityImageOptions {
    public static let all: [ConfigOption] = [
        .init("identity", "enabled", .bool, default: "true", help: "Serve the built-in Identity v3 API."),
        .init("identity", "listen", .string, default: "127.0.0.1"),
        .init("identity", "port", .port, default: "5000", help: "0 picks a free port (logged)."),
        .init("identity", "admin_password", .string, default: "nimbus",
              help: "Password of the admin user the all-in-one bootstraps on first start."),
        .init("identity", "region", .string, default: "RegionOne"),
        .init("identity", "password_hash_rounds", .int, default: "210000",
              help: "PBKDF2-HMAC-SHA512 iterations for new password hashes (OWASP 2023: 210000)."),
        .init("token", "expiration", .int, default: "3600", help: "Token lifetime in seconds."),
        .init("token", "cache_time", .float, default: "5",
              help: "Seconds a validated token is reused without reading the store (0 = never); this process's own "
                + "identity writes and revocations clear it at once."),
        .init("token", "signing_key_file", .string, help: "HMAC key for tokens; default $state_path/identity/token.key."),
        .init("keystone_authtoken", "www_authenticate_uri", .string),
        .init("keystone_authtoken", "auth_url", .string, help: "Keystone URL used to validate tokens (…/v3 or root)."),
        .init("keystone_authtoken", "username", .string),
        .init("keystone_authtoken", "password", .string),
        .init("keystone_authtoken", "project_name", .string),
        .init("keystone_authtoken", "user_domain_name", .string, default: "Default"),
        .init("keystone_authtoken", "project_domain_name", .string, default: "Default"),
        .init("keystone_authtoken", "token_cache_time", .int, default: "300"),
        .init("image", "enabled", .bool, default: "true", help: "Serve the built-in Image v2 API."),
        .init("image", "listen", .string, default: "127.0.0.1"),
        .init("image", "port", .port, default: "9292", help: "0 picks a free port (logged)."),
        .init("image", "image_size_cap", .int, default: "1099511627776"),
        .init("image", "limit_param_default", .int, default: "25"),
        .init("image", "api_limit_max", .int, default: "1000"),
        .init("glance", "api_servers", .list,
              help: "External Glance endpoints; when set Nimbus serves no Image API and the catalog names the first."),
    ]
}
