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
