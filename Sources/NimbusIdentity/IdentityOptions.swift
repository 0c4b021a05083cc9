import NimbusKernel

/// Options of the built-in Identity v3 service and of external-Keystone token validation (names follow
/// keystone.conf and keystonemiddleware).
public enum IdentityOptions {
    public static let enabled = TypedOption<Bool>("identity", "enabled", default: true,
                                                  help: "Serve the built-in Identity v3 API.")
    public static let listen = TypedOption<String>("identity", "listen", default: "127.0.0.1")
    public static let port = TypedOption<Int>(
        "identity", "port", kind: .port, default: 5000,
        help: "0 picks a free port (logged); unset while osapi_compute_listen_port = 0, it follows that.")
    public static let adminPassword = TypedOption<String>(
        "identity", "admin_password", default: "nimbus",
        help: "Password of the admin user the all-in-one bootstraps on first start.")
    public static let region = TypedOption<String>("identity", "region", default: "RegionOne")
    public static let passwordHashRounds = TypedOption<Int>(
        "identity", "password_hash_rounds", default: 210_000,
        help: "PBKDF2-HMAC-SHA512 iterations for new password hashes (OWASP 2023: 210000).")
    public static let tokenExpiration = TypedOption<Int>("token", "expiration", default: 3600,
                                                         help: "Token lifetime in seconds.")
    public static let tokenCacheTime = TypedOption<Double>(
        "token", "cache_time", default: 5,
        help: "Seconds a validated token is reused without reading the store (0 = never); this process's own "
            + "identity writes and revocations clear it at once.")
    public static let signingKeyFile = TypedOption<String?>(
        "token", "signing_key_file", help: "HMAC key for tokens; default $state_path/identity/token.key.")

    // keystonemiddleware's [keystone_authtoken], for validating tokens against an external Keystone.
    public static let wwwAuthenticateURI = TypedOption<String?>("keystone_authtoken", "www_authenticate_uri")
    public static let authURL = TypedOption<String?>("keystone_authtoken", "auth_url",
                                                     help: "Keystone URL used to validate tokens (…/v3 or root).")
    public static let username = TypedOption<String?>("keystone_authtoken", "username")
    public static let password = TypedOption<String?>("keystone_authtoken", "password")
    public static let projectName = TypedOption<String>("keystone_authtoken", "project_name", default: "service")
    public static let userDomainName = TypedOption<String>("keystone_authtoken", "user_domain_name", default: "Default")
    public static let projectDomainName = TypedOption<String>("keystone_authtoken", "project_domain_name",
                                                              default: "Default")
    public static let keystoneTokenCacheTime = TypedOption<Int>("keystone_authtoken", "token_cache_time", default: 300)

    public static let all: [ConfigOption] = ([
        enabled, listen, port, adminPassword, region, passwordHashRounds, tokenExpiration, tokenCacheTime,
        signingKeyFile, wwwAuthenticateURI, authURL, username, password, projectName, userDomainName,
        projectDomainName, keystoneTokenCacheTime,
    ] as [any AnyTypedOption]).map(\.declaration)
}
