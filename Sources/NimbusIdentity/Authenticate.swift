import Foundation
import NimbusJSON
import Logging
import NimbusKernel
import NimbusStore

extension IdentityService {
    /// `POST /v3/auth/tokens`: password or token method, project scope by id or by name + domain,
    /// or unscoped. Failures to authenticate are 401 without saying which part was wrong (as Keystone).
    func authenticate(_ body: JSON) async throws -> (token: String, validated: ValidatedToken) {
        guard let auth = body["auth"]?.object else { throw KeystoneError.badRequest("Expecting to find auth in request.") }
        guard let identity = auth["identity"]?.object else {
            throw KeystoneError.badRequest("Expecting to find identity in auth.")
        }
        guard let methods = identity["methods"]?.array?.compactMap(\.string), !methods.isEmpty,
              methods.count == identity["methods"]?.array?.count
        else { throw KeystoneError.badRequest("Expecting to find methods in identity (a list of strings).") }
        for m in methods where m != "password" && m != "token" {
            throw KeystoneError.unauthorized("Attempted to authenticate with an unsupported method: \(m).")
        }

        var userID: String
        var expiresAt: Date? = nil
        var parentAuditID: String? = nil
        var issuedMethods = methods
        if methods.contains("token") {
            guard let id = identity["token"]?["id"]?.string else {
                throw KeystoneError.badRequest("Expecting to find id in token.")
            }
            let old: ValidatedToken
            do { old = try await validate(id) } catch is TokenError {
                throw KeystoneError.notFound("Failed to validate token")
            }
            userID = old.subject.user.id
            // A rescoped token never outlives the one it came from (Keystone's rule).
            expiresAt = old.payload.expiresAt
            parentAuditID = old.payload.parentAuditID ?? old.payload.auditID
            issuedMethods = ["token"] + old.payload.methods.filter { $0 != "token" }
        } else {
            userID = try await passwordUser(identity["password"]?["user"]?.object).id
        }
        if methods.contains("password") && methods.contains("token") {
            guard try await passwordUser(identity["password"]?["user"]?.object).id == userID else {
                throw KeystoneError.unauthorized()
            }
        }

        let projectID = try await scopeProject(auth["scope"], userID: userID)
        let issued = try issue(userID: userID, projectID: projectID, methods: issuedMethods, expiresAt: expiresAt,
                               parentAuditID: parentAuditID)
        do {
            return (issued.token, try await validate(issued.token))
        } catch let e as TokenError {
            logger.info("authentication refused: \(e)")
            throw KeystoneError.unauthorized()
        }
    }

    /// The user a `password` method names, once the password checks out.
    func passwordUser(_ user: [String: JSON]?) async throws -> UserRecord {
        guard let user else { throw KeystoneError.badRequest("Expecting to find user in password.") }
        guard let password = user["password"]?.string else {
            throw KeystoneError.badRequest("Expecting to find password in user.")
        }
        guard password.utf8.count <= PasswordHasher.maxPasswordLength else { throw KeystoneError.unauthorized() }
        let record: UserRecord?
        if let id = user["id"]?.string {
            record = try await store.user(id: id)
        } else if let name = user["name"]?.string {
            let domainID = try await domainID(user["domain"]?.object, what: "user")
            record = try await store.user(name: name, domainID: domainID)
        } else {
            throw KeystoneError.badRequest("Expecting to find id or name in user.")
        }
        guard let record, record.enabled, let hash = record.passwordHash,
              await hasher.verify(password, against: hash)
        else {
            logger.info("authentication failed", metadata: ["user": "\(user["id"]?.string ?? user["name"]?.string ?? "")"])
            throw KeystoneError.unauthorized()
        }
        return record
    }

    /// The project the scope names (nil for unscoped); with no scope, the user's default project if they
    /// have a role there (Keystone's behaviour).
    func scopeProject(_ scope: JSON?, userID: String) async throws -> String? {
        guard let scope, !scope.isNull else {
            guard let user = try await store.user(id: userID), let p = user.defaultProjectID,
                  !(try await store.effectiveRoles(userID: userID, projectID: p)).isEmpty
            else { return nil }
            return p
        }
        if scope.string == "unscoped" { return nil }
        guard let obj = scope.object else { throw KeystoneError.badRequest("Expecting scope to be an object.") }
        if obj["domain"] != nil || obj["system"] != nil || obj["OS-TRUST:trust"] != nil {
            throw KeystoneError.badRequest("Nimbus issues project-scoped and unscoped tokens only.")
        }
        guard let project = obj["project"]?.object else { throw KeystoneError.badRequest("Expecting to find project in scope.") }
        let record: ProjectRecord?
        if let id = project["id"]?.string {
            record = try await store.project(id: id)
        } else if let name = project["name"]?.string {
            let domainID = try await domainID(project["domain"]?.object, what: "project")
            record = try await store.project(name: name, domainID: domainID)
        } else {
            throw KeystoneError.badRequest("Expecting to find id or name in project.")
        }
        guard let record else { throw KeystoneError.unauthorized("Could not find project in the requested scope.") }
        guard record.enabled else { throw KeystoneError.unauthorized("Project \(record.id) is disabled.") }
        guard !(try await store.effectiveRoles(userID: userID, projectID: record.id)).isEmpty else {
            throw KeystoneError.unauthorized("User \(userID) has no access to project \(record.id).")
        }
        return record.id
    }

    /// A domain reference `{"id": …}` or `{"name": …}` → its id; names need a domain (Keystone demands one).
    func domainID(_ domain: [String: JSON]?, what: String) async throws -> String {
        if let id = domain?["id"]?.string { return id }
        if let name = domain?["name"]?.string {
            guard let d = try await store.domains(name: name).first else { throw KeystoneError.unauthorized() }
            return d.id
        }
        throw KeystoneError.badRequest("Expecting to find domain in \(what).")
    }
}
