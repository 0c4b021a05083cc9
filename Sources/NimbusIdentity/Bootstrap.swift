import Foundation
import NimbusStore

/// `keystone-manage bootstrap`: the admin user and project, roles admin ⊃ member ⊃ reader, the admin's
/// grant, and optionally catalog entries. Idempotent: what exists is kept (an existing admin keeps its
/// password unless `resetPassword`).
public struct IdentityBootstrap: Sendable {
    public var adminUser = "admin"
    public var adminProject = "admin"
    public var adminPassword: String
    public var region = "RegionOne"
    public var catalog: [CatalogEntry] = []
    public var resetPassword = false

    public init(adminPassword: String) {
        self.adminPassword = adminPassword
    }

    public struct Result: Sendable {
        public var userID: String
        public var projectID: String
        public var created: [String]
    }

    /// True when no admin user exists yet (the all-in-one bootstraps then).
    public static func needed(_ store: NimbusStore, adminUser: String = "admin") async throws -> Bool {
        try await store.user(name: adminUser, domainID: "default") == nil
    }

    @discardableResult
    public func run(store: NimbusStore, hasher: PasswordHasher) async throws -> Result {
        var created: [String] = []
        var roles: [String: RoleRecord] = [:]
        for name in ["reader", "member", "admin"] {
            if let r = try await store.roles(name: name).first { roles[name] = r; continue }
            roles[name] = try await store.createRole(RoleRecord(id: IdentityAPI.newID(), name: name))
            created.append("role \(name)")
        }
        try await store.addImpliedRole(prior: roles["admin"]!.id, implied: roles["member"]!.id)
        try await store.addImpliedRole(prior: roles["member"]!.id, implied: roles["reader"]!.id)

        var project = try await store.project(name: adminProject, domainID: "default")
        if project == nil {
            project = try await store.createProject(ProjectRecord(id: IdentityAPI.newID(), name: adminProject,
                                                                  description: "Bootstrap project for initializing the cloud."))
            created.append("project \(adminProject)")
        }
        var user = try await store.user(name: adminUser, domainID: "default")
        if user == nil {
            user = try await store.createUser(UserRecord(
                id: IdentityAPI.newID(), name: adminUser, passwordHash: try await hasher.hash(adminPassword),
                defaultProjectID: project!.id, passwordChangedAt: Date()))
            created.append("user \(adminUser)")
        } else if resetPassword, var u = user {
            u.passwordHash = try await hasher.hash(adminPassword)
            u.passwordChangedAt = Date()
            try await store.updateUser(u)
            user = u
        }
        try await store.grant(RoleAssignmentRecord(userID: user!.id, target: .project, targetID: project!.id,
                                                   roleID: roles["admin"]!.id))
        try await store.grant(RoleAssignmentRecord(userID: user!.id, target: .domain, targetID: "default",
                                                   roleID: roles["admin"]!.id))
        for entry in catalog {
            try await store.upsertCatalogEntry(type: entry.type, name: entry.name, region: region, urls: entry.urls)
        }
        return Result(userID: user!.id, projectID: project!.id, created: created)
    }
}
