import Foundation

/// Rows of the built-in identity service (Keystone's resources, the subset we serve).
public struct DomainRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var description: String
    public var enabled: Bool

    public init(id: String, name: String, description: String = "", enabled: Bool = true) {
        self.id = id
        self.name = name
        self.description = description
        self.enabled = enabled
    }
}

public struct ProjectRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var domainID: String
    public var description: String
    public var enabled: Bool

    public init(id: String, name: String, domainID: String = "default", description: String = "", enabled: Bool = true) {
        self.id = id
        self.name = name
        self.domainID = domainID
        self.description = description
        self.enabled = enabled
    }
}

public struct UserRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var domainID: String
    /// A PBKDF2 hash in passlib's modular format (never the password itself); nil = cannot log in.
    public var passwordHash: String?
    public var defaultProjectID: String?
    public var email: String?
    public var description: String?
    public var enabled: Bool
    public var passwordChangedAt: Date?

    public init(id: String, name: String, domainID: String = "default", passwordHash: String? = nil,
                defaultProjectID: String? = nil, email: String? = nil, description: String? = nil,
                enabled: Bool = true, passwordChangedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.domainID = domainID
        self.passwordHash = passwordHash
        self.defaultProjectID = defaultProjectID
        self.email = email
        self.description = description
        self.enabled = enabled
        self.passwordChangedAt = passwordChangedAt
    }
}

public struct RoleRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var description: String?

    public init(id: String, name: String, description: String? = nil) {
        self.id = id
        self.name = name
        self.description = description
    }
}

/// A direct role assignment of a user on a project or a domain.
public struct RoleAssignmentRecord: Sendable, Hashable, Codable {
    public enum Target: String, Sendable, Hashable, Codable { case project, domain }
    public var userID: String
    public var target: Target
    public var targetID: String
    public var roleID: String

    public init(userID: String, target: Target, targetID: String, roleID: String) {
        self.userID = userID
        self.target = target
        self.targetID = targetID
        self.roleID = roleID
    }
}

public struct CatalogServiceRecord: Sendable, Hashable, Codable {
    public var id: String
    public var type: String
    public var name: String
    public var description: String
    public var enabled: Bool

    public init(id: String, type: String, name: String, description: String = "", enabled: Bool = true) {
        self.id = id
        self.type = type
        self.name = name
        self.description = description
        self.enabled = enabled
    }
}

public struct EndpointRecord: Sendable, Hashable, Codable {
    public var id: String
    public var serviceID: String
    public var interface: String
    public var region: String
    public var url: String
    public var enabled: Bool

    public init(id: String, serviceID: String, interface: String, region: String, url: String, enabled: Bool = true) {
        self.id = id
        self.serviceID = serviceID
        self.interface = interface
        self.region = region
        self.url = url
        self.enabled = enabled
    }
}
