import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import NimbusKernel
import NimbusStore

extension IdentityAPI {
    func addAuthRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/v3/auth/tokens") { req, _ in
            let body = try await Self.body(req)
            let (token, validated) = try await identity.authenticate(body)
            let withCatalog = !Query(req).has("nocatalog")
            return json(.created, try await identity.tokenBody(validated, catalog: withCatalog),
                        headers: [.subjectToken: token])
        }
        router.get("/v3/auth/tokens") { req, _ in
            let (subject, token) = try await subjectToken(req)
            return json(.ok, try await identity.tokenBody(subject, catalog: !Query(req).has("nocatalog")),
                        headers: [.subjectToken: token])
        }
        router.head("/v3/auth/tokens") { req, _ in
            _ = try await subjectToken(req)
            return empty(.ok)
        }
        router.delete("/v3/auth/tokens") { req, _ in
            let (subject, _) = try await subjectToken(req, owner: true)
            try await identity.revoke(subject)
            return empty(.noContent)
        }
        router.get("/v3/auth/catalog") { req, _ in
            let t = try await caller(req)
            guard t.subject.project != nil else { throw KeystoneError.forbidden("The service catalog needs a scoped token.") }
            return json(.ok, ["catalog": try await identity.catalog.catalogJSON(), "links": Self.collectionLinks(req)])
        }
        router.get("/v3/auth/projects") { req, _ in
            let t = try await caller(req)
            let projects = try await identity.store.projects(ofUser: t.subject.user.id).filter(\.enabled)
            return json(.ok, ["projects": .array(projects.map { Self.projectJSON($0, req) }), "links": Self.collectionLinks(req)])
        }
        router.get("/v3/auth/domains") { req, _ in
            _ = try await caller(req)
            return json(.ok, ["domains": [], "links": Self.collectionLinks(req)])
        }
        router.get("/v3/services") { req, _ in
            try await requireAdmin(req)
            let services = try await identity.catalog.services()
            return json(.ok, ["services": .array(services.map { s in
                ["id": .string(s.id), "type": .string(s.type), "name": .string(s.name), "enabled": true, "description": "",
                 "links": ["self": .string(Self.baseURL(req) + "/v3/services/" + s.id)]]
            }), "links": Self.collectionLinks(req)])
        }
        router.get("/v3/endpoints") { req, _ in
            try await requireAdmin(req)
            let services = try await identity.catalog.services()
            return json(.ok, ["endpoints": .array(services.flatMap { s in
                s.endpoints.map { e in
                    ["id": .string(e.id), "service_id": .string(s.id), "interface": .string(e.interface),
                     "region": .string(e.region), "region_id": .string(e.region), "url": .string(e.url), "enabled": true,
                     "links": ["self": .string(Self.baseURL(req) + "/v3/endpoints/" + e.id)]]
                }
            }), "links": Self.collectionLinks(req)])
        }
        router.get("/v3/regions") { req, _ in
            _ = try await caller(req)
            let region = identity.config.region
            return json(.ok, ["regions": [["id": .string(region), "description": "", "parent_region_id": nil,
                                           "links": ["self": .string(Self.baseURL(req) + "/v3/regions/" + region)]]],
                              "links": Self.collectionLinks(req)])
        }
    }

    /// `X-Subject-Token` checked on behalf of `X-Auth-Token`: admins and services may check any token,
    /// others only their own (and, with `owner`, revoke tokens of their own user).
    func subjectToken(_ req: Request, owner: Bool = false) async throws -> (ValidatedToken, String) {
        let caller = try await caller(req)
        guard let token = req.headers[.subjectToken], !token.isEmpty else {
            throw KeystoneError.badRequest("Expecting to find X-Subject-Token in request headers.")
        }
        let subject: ValidatedToken
        do { subject = try await identity.validate(token) } catch is TokenError {
            throw KeystoneError.notFound("Failed to validate token")
        }
        let privileged = caller.isAdmin || caller.roleNames.contains("service")
        let same = token == req.headers[.authToken] || (owner && subject.subject.user.id == caller.subject.user.id)
        guard privileged || same else { throw KeystoneError.forbidden() }
        return (subject, token)
    }
}
