import Foundation
import Hummingbird
import NimbusKernel
import NimbusStore

/// `POST /v2/images/{id}/actions/deactivate|reactivate` (Glance 2.3+): active ⇄ deactivated, 204; already
/// there is a no-op; any other status is 403, as Glance's domain model answers.
extension ImageAPI {
    func addActionRoutes(_ router: Router<BasicRequestContext>) {
        router.post("/v2/images/{id}/actions/deactivate") { req, ctx in
            try await transition(req, ctx, action: "deactivate", from: "active", to: "deactivated")
        }
        router.post("/v2/images/{id}/actions/reactivate") { req, ctx in
            try await transition(req, ctx, action: "reactivate", from: "deactivated", to: "active")
        }
    }

    func transition(_ req: Request, _ ctx: BasicRequestContext, action: String, from: String, to: String) async throws
        -> Response
    {
        let caller = try await caller(req)
        var image = try await image(ctx, for: caller)
        try ImagePolicy.modify(image, caller, action)
        if image.status == to { return empty(.noContent) }
        guard image.status == from else {
            throw GlanceError.forbidden("Not allowed to \(action) image in status '\(image.status)'")
        }
        image.status = to
        image.updatedAt = Date()
        // Guarded on the stored status, so an upload or delete racing with this cannot be overwritten.
        do { try await store.updateImage(image, expectStatus: [from]) } catch StoreError.conflict(let m) {
            throw GlanceError.conflict(m)
        }
        return empty(.noContent)
    }
}
