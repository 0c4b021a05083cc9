import Foundation
import NimbusJSON
import HTTPTypes
import Hummingbird
import NimbusKernel
import NimbusStore

extension ImageAPI {
    static let patchTypes = ["application/openstack-images-v2.1-json-patch", "application/openstack-images-v2.0-json-patch"]

    func addImageRoutes(_ router: Router<BasicRequestContext>) {
        router.get("/v2/images") { req, _ in
            let caller = try await caller(req)
            return json(.ok, try await list(req, caller))
        }
        router.post("/v2/images") { req, _ in
            let caller = try await caller(req)
            try ImagePolicy.create(caller)
            guard let o = try await Self.body(req).object else {
                throw GlanceError.badRequest("The request body must be a JSON object.")
            }
            var image = ImageRecord(id: UUID().uuidString.lowercased(), owner: caller.projectID)
            for (key, value) in o.sorted(by: { $0.key < $1.key }) {
                try ImageProperties.set(key, value, on: &image, by: caller, creating: true)
            }
            try checkQuotas(image)
            let created = try await store.createImage(image)
            return json(.created, ImageProperties.json(created), headers: [.location: "/v2/images/\(created.id)"])
        }
        router.get("/v2/images/{id}") { req, ctx in
            let caller = try await caller(req)
            return json(.ok, ImageProperties.json(try await image(ctx, for: caller)))
        }
        router.patch("/v2/images/{id}") { req, ctx in
            let caller = try await caller(req)
            let type = req.headers[.contentType]?.split(separator: ";").first.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            }
            guard let type, Self.patchTypes.contains(type) else {
                throw GlanceError(.unsupportedMediaType, "Unsupported Content-Type; use "
                                  + "application/openstack-images-v2.1-json-patch.")
            }
            var image = try await image(ctx, for: caller)
            try ImagePolicy.modify(image, caller, "modify_image")
            guard let ops = try await Self.body(req).array else {
                throw GlanceError.badRequest("A JSON patch is a list of operations.")
            }
            let before = image
            // Every operation is applied to a copy; a failing one leaves the stored image untouched.
            for op in ops { try ImagePatch.apply(op, to: &image, by: caller) }
            if image.properties.count > before.properties.count || image.tags.count > before.tags.count {
                try checkQuotas(image)
            }
            if image != before {
                image.updatedAt = Date()
                try await store.updateImage(image)
            }
            return json(.ok, ImageProperties.json(image))
        }
        router.delete("/v2/images/{id}") { req, ctx in
            let caller = try await caller(req)
            let image = try await image(ctx, for: caller)
            try ImagePolicy.modify(image, caller, "delete_image")
            guard !image.protected else {
                throw GlanceError.forbidden("Image \(image.id) is protected and cannot be deleted.")
            }
            try await store.deleteImage(id: image.id)
            try? FileManager.default.removeItem(atPath: dataPath(image.id))
            return empty(.noContent)
        }
        router.put("/v2/images/{id}/tags/{tag}") { req, ctx in
            try await changeTag(req, ctx, add: true)
        }
        router.delete("/v2/images/{id}/tags/{tag}") { req, ctx in
            try await changeTag(req, ctx, add: false)
        }
    }

    func changeTag(_ req: Request, _ ctx: BasicRequestContext, add: Bool) async throws -> Response {
        let caller = try await caller(req)
        var image = try await image(ctx, for: caller)
        try ImagePolicy.modify(image, caller, "modify_image")
        let tag = ctx.parameters.get("tag") ?? ""
        guard !tag.isEmpty, tag.count <= 255 else { throw GlanceError.badRequest("Tags are 1 to 255 characters.") }
        if add {
            if image.tags.contains(tag) { return empty(.noContent) }
            image.tags.append(tag)
            try checkQuotas(image)
        } else {
            guard let at = image.tags.firstIndex(of: tag) else { throw GlanceError(.notFound, "Tag \(tag) not found.") }
            image.tags.remove(at: at)
        }
        image.updatedAt = Date()
        try await store.updateImage(image)
        return empty(.noContent)
    }

    /// `GET /v2/images`: filters name, status, visibility, owner, id (`in:a,b`), tag, size_min/max, os_hidden;
    /// newest first; `limit` and `marker`, with a `next` link while pages are full.
    func list(_ req: Request, _ caller: AuthContext) async throws -> JSON {
        try ImagePolicy.read(caller, "get_images")
        let q = Query(req)
        // Glance's member filter; Nimbus has no image members, so a valid value selects nothing more or less.
        if let m = q["member_status"], !["accepted", "pending", "rejected", "all"].contains(m) {
            throw GlanceError.badRequest("Invalid status: \(m)")
        }
        var query = ImageQuery(projectID: caller.isAdmin ? nil : caller.projectID, limit: config.limitDefault)
        if let l = q["limit"] {
            guard let n = Int(l), n >= 0 else { throw GlanceError.badRequest("limit param must be an integer") }
            query.limit = min(n, config.limitMax)
        }
        if let m = q["marker"] {
            guard UUID(uuidString: m) != nil else { throw GlanceError.badRequest("Invalid marker \(m)") }
            query.marker = m
        }
        if let v = q["visibility"] {
            guard ImageProperties.visibilities.contains(v) || v == "all" else {
                throw GlanceError.badRequest("Invalid visibility value: \(v)")
            }
            query.visibility = v
        }
        if let id = q["id"] {
            query.ids = id.hasPrefix("in:") ? id.dropFirst(3).split(separator: ",").map(String.init) : [Self.eq(id)]
        }
        query.name = q["name"].map(Self.eq)
        query.status = q["status"].map(Self.eq)
        query.owner = q["owner"].map(Self.eq)
        query.tags = q.all("tag")
        for (key, path) in [("size_min", \ImageQuery.sizeMin), ("size_max", \ImageQuery.sizeMax)] {
            guard let s = q[key] else { continue }
            guard let n = Int(s) else { throw GlanceError.badRequest("\(key) must be an integer") }
            query[keyPath: path] = n
        }
        if let h = q["os_hidden"] { query.hidden = h.lowercased() == "true" }
        for (key, value) in [("sort_key", q["sort_key"]), ("sort_dir", q["sort_dir"]), ("sort", q["sort"])] {
            guard let value else { continue }
            let ok = ["created_at", "desc", "created_at:desc"].contains(value.lowercased())
            guard ok else { throw GlanceError.badRequest("Unsupported \(key) '\(value)': Nimbus lists by created_at desc.") }
        }
        let images: [ImageRecord]
        do { images = try await store.images(query) } catch StoreError.notFound(kind: "marker", let id) {
            throw GlanceError.badRequest("Invalid marker. Image \(id) could not be found.")
        }
        var body: [String: JSON] = ["images": .array(images.map(ImageProperties.json)), "schema": "/v2/schemas/images",
                                    "first": .string(Self.link(q, marker: nil))]
        if query.limit > 0 && images.count == query.limit, let last = images.last {
            body["next"] = .string(Self.link(q, marker: last.id))
        }
        return .object(body)
    }

    /// Glance accepts `eq:` on equality filters.
    static func eq(_ s: String) -> String { s.hasPrefix("eq:") ? String(s.dropFirst(3)) : s }

    /// `/v2/images?…` with the same filters and, for `next`, the marker.
    static func link(_ q: Query, marker: String?) -> String {
        var items = q.items.filter { $0.0 != "marker" }
        if let marker { items.append(("marker", marker)) }
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+;")
        let query = items.map { k, v in
            (k.addingPercentEncoding(withAllowedCharacters: allowed) ?? k) + "="
                + (v.addingPercentEncoding(withAllowedCharacters: allowed) ?? v)
        }.joined(separator: "&")
        return query.isEmpty ? "/v2/images" : "/v2/images?" + query
    }
}
