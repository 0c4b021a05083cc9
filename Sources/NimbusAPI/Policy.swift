import Foundation
import HTTPTypes
import Hummingbird
import NimbusKernel

/// Nova's default policies (admin / member / reader, scoped to the caller's project).
enum Policy {
    /// Admin-only APIs (os-services, os-hypervisors, os-aggregates, …) answer 403 to everyone else.
    static func admin(_ ctx: NimbusRequestContext, _ rule: String) throws {
        guard ctx.auth.isAdmin else { throw denied(rule) }
    }

    /// Writes in the caller's project need the member role.
    static func member(_ ctx: NimbusRequestContext, _ rule: String) throws {
        guard ctx.auth.isMember else { throw denied(rule) }
    }

    static func reader(_ ctx: NimbusRequestContext, _ rule: String) throws {
        guard ctx.auth.isReader else { throw denied(rule) }
    }

    /// Reading another project's resources (`{project_id}` in the path) needs admin; readers see their own.
    static func project(_ ctx: NimbusRequestContext, _ project: String, _ rule: String) throws {
        guard ctx.auth.isAdmin || (ctx.auth.projectID == project && ctx.auth.isReader) else { throw denied(rule) }
    }

    static func denied(_ rule: String) -> NovaError {
        .forbidden("Policy doesn't allow \(rule) to be performed.")
    }
}

/// Reads `X-Auth-Token` and validates it when a validator is configured; no validator = noauth (admin).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = NimbusRequestContext
    let validator: (any TokenValidator)?
    static let tokenHeader = HTTPField.Name("X-Auth-Token")!

    /// Version documents and the OpenAPI document are served without a token, as Nova serves `/` and `/v2.1`.
    static func isPublic(_ path: String) -> Bool {
        ["/", "/v2.1", "/v2.1/", "/v2", "/v2/", "/openapi.json", "/v2.1/openapi.json"].contains(path)
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard let validator, !Self.isPublic(request.uri.path) else { return try await next(request, context) }
        guard let token = request.headers[Self.tokenHeader], !token.isEmpty else {
            throw NovaError(.unauthorized, "The request you have made requires authentication.")
        }
        var context = context
        do { context.auth = try await validator.validate(token: token) } catch {
            throw NovaError(.unauthorized, "The request you have made requires authentication.")
        }
        // Nova's wsgi check: a project id in the URL must be the token's (it silently served the caller's own).
        if let urlProject = request.headers[APIMiddleware.urlProjectHeader], urlProject != context.auth.projectID {
            throw NovaError.badRequest("Malformed request URL: URL's project_id '\(urlProject)' doesn't match Context's project_id '\(context.auth.projectID)'")
        }
        return try await next(request, context)
    }
}
