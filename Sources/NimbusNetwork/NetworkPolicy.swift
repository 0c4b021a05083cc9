import Foundation
import HTTPTypes
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Neutron's default policies (neutron/conf/policies, secure RBAC), the parts this subset serves: readers see
/// their project's resources and shared or external networks; members create and change their project's;
/// admins everything. `shared`, `router:external`, bindings and another project's id are admin-only.
/// Something the caller may not see is 404, as if it did not exist.
enum NetworkPolicy {
    static func canSee(_ n: NetworkRecord, _ c: AuthContext) -> Bool {
        c.isAdmin || n.shared || n.routerExternal || (c.isReader && n.projectID == c.projectID)
    }

    /// `admin_or_project_member` on a resource of `project`.
    static func owns(_ project: String, _ c: AuthContext) -> Bool {
        c.isAdmin || (c.isMember && project == c.projectID)
    }

    static func require(_ allowed: Bool, _ rule: String) throws {
        guard allowed else { throw NeutronError.policy(rule) }
    }

    /// The project a new resource belongs to: the caller's, or (admins only) the one named in the body.
    static func project(_ a: Attributes, _ c: AuthContext) throws -> String {
        let named = try a.string("project_id") ?? a.string("tenant_id")
        guard let named, named != c.projectID else { return c.projectID }
        guard c.isAdmin else {
            throw NeutronError.badRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project "
                                          + "in request requires admin privileges")
        }
        return named
    }
}

/// The attributes of a create or update body, read with Neutron's validators' answers (400 on a wrong type).
struct Attributes {
    let o: [String: JSON]

    init(_ o: [String: JSON], allowed: Set<String>) throws {
        let unknown = o.keys.filter { !allowed.contains($0) }.sorted()
        guard unknown.isEmpty else {
            throw NeutronError.badRequest("Unrecognized attribute(s) '\(unknown.joined(separator: ", "))'")
        }
        self.o = o
    }

    func has(_ k: String) -> Bool { o[k] != nil }

    /// A string of at most `max` characters (Neutron's names and descriptions: 255).
    func string(_ k: String, max: Int = 255) throws -> String? {
        guard let v = o[k], !v.isNull else { return nil }
        guard let s = v.string else { throw NeutronError.invalid(k, "\(v.brief) is not a valid string") }
        guard s.count <= max else { throw NeutronError.invalid(k, "'\(s.prefix(32))…' exceeds maximum length of \(max)") }
        return s
    }

    /// Neutron's `convert_to_boolean`: JSON booleans, and "true"/"false"/"1"/"0" strings.
    func bool(_ k: String) throws -> Bool? {
        guard let v = o[k] else { return nil }
        if let b = v.bool { return b }
        if let s = v.string?.lowercased(), ["true", "1"].contains(s) { return true }
        if let s = v.string?.lowercased(), ["false", "0"].contains(s) { return false }
        if let i = v.int, i == 0 || i == 1 { return i == 1 }
        throw NeutronError.invalid(k, "\(v.brief) cannot be converted to boolean")
    }

    func int(_ k: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let v = o[k], !v.isNull else { return nil }
        guard let i = v.int ?? v.string.flatMap({ Int($0) }), range.contains(i) else {
            throw NeutronError.invalid(k, "\(v.brief) is not an integer in \(range.lowerBound)..\(range.upperBound)")
        }
        return i
    }

    /// A list of at most `max` entries (every list in a body is bounded before it is read).
    func list(_ k: String, max: Int) throws -> [JSON]? {
        guard let v = o[k], !v.isNull else { return nil }
        guard let a = v.array else { throw NeutronError.invalid(k, "\(v.brief) is not a list") }
        guard a.count <= max else { throw NeutronError.invalid(k, "more than \(max) entries") }
        return a
    }
}
