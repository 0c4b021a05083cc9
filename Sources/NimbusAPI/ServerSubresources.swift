import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Server metadata, tags (2.26+), ips and instance actions.
extension ComputeAPI {
    func addServerSubresourceRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        // metadata
        g.get("servers/:id/metadata") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            return try json(.ok, ["metadata": .object(s.instance.metadata.mapValues(JSON.string))])
        }
        g.post("servers/:id/metadata") { req, ctx in try await setMetadata(req, ctx, replace: false) }
        g.put("servers/:id/metadata") { req, ctx in try await setMetadata(req, ctx, replace: true) }
        g.get("servers/:id/metadata/:key") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            let key = ctx.parameters.get("key") ?? ""
            guard let v = s.instance.metadata[key] else { throw NovaError.notFound("Metadata item was not found") }
            return try json(.ok, ["meta": [key: .string(v)]])
        }
        g.put("servers/:id/metadata/:key") { req, ctx in
            let s = try await metadataServer(ctx, action: "update metadata")
            let key = ctx.parameters.get("key") ?? ""
            let meta = try await Self.wrapped(req, "meta", ctx)
            let m = try Fields.stringMap(meta.values, field: "meta")
            guard m.count == 1, let v = m[key] else { throw NovaError.badRequest("Request body and URI mismatch") }
            var all = s.instance.metadata
            all[key] = v
            try await checkMetadataQuota(all, ctx)
            try await store.updateServer(s.instance.uuid, metadata: all)
            return try json(.ok, ["meta": [key: .string(v)]])
        }
        g.delete("servers/:id/metadata/:key") { _, ctx in
            let s = try await metadataServer(ctx, action: "delete metadata")
            let key = ctx.parameters.get("key") ?? ""
            var all = s.instance.metadata
            guard all.removeValue(forKey: key) != nil else { throw NovaError.notFound("Metadata item was not found") }
            try await store.updateServer(s.instance.uuid, metadata: all)
            return empty(.noContent)
        }

        // tags (2.26+)
        g.get("servers/:id/tags") { _, ctx in
            try Self.since(ctx, 26)
            let s = try await server(ctx.parameters.get("id"), ctx)
            return try json(.ok, ["tags": .array(s.fields.tags.map(JSON.string))])
        }
        g.put("servers/:id/tags") { req, ctx in
            try Self.since(ctx, 26)
            let s = try await tagServer(ctx)
            let body = try await Self.object(req)
            try body.only(["tags"])
            try body.require("tags")
            guard let list = body["tags"]?.array else { throw Fields.invalid("tags", body["tags"], "is not of type 'array'") }
            let tags = try list.map { try Self.tag($0) }
            guard tags.count <= 50 else { throw NovaError.badRequest("The number of tags exceeded the per-server limit 50") }
            var unique: [String] = []
            for t in tags where !unique.contains(t) { unique.append(t) }
            try await store.updateServer(s.instance.uuid, tags: unique)
            return try json(.ok, ["tags": .array(unique.map(JSON.string))])
        }
        g.delete("servers/:id/tags") { _, ctx in
            try Self.since(ctx, 26)
            let s = try await tagServer(ctx)
            try await store.updateServer(s.instance.uuid, tags: [])
            return empty(.noContent)
        }
        g.get("servers/:id/tags/:tag") { _, ctx in
            try Self.since(ctx, 26)
            let s = try await server(ctx.parameters.get("id"), ctx)
            let tag = ctx.parameters.get("tag") ?? ""
            guard s.fields.tags.contains(tag) else { throw NovaError.notFound("Tag \(tag) could not be found.") }
            return empty(.noContent)
        }
        g.put("servers/:id/tags/:tag") { req, ctx in
            try Self.since(ctx, 26)
            let s = try await tagServer(ctx)
            let tag = try Self.tag(.string(ctx.parameters.get("tag") ?? ""))
            if s.fields.tags.contains(tag) { return empty(.noContent) }
            guard s.fields.tags.count < 50 else {
                throw NovaError.badRequest("The number of tags exceeded the per-server limit 50")
            }
            try await store.updateServer(s.instance.uuid, tags: s.fields.tags + [tag])
            let id = s.instance.uuid.uuidString.lowercased()
            var r = empty(.created)
            r.headers[.location] = "\(Self.baseURL(req))/v2.1/servers/\(id)/tags/\(tag)"
            return r
        }
        g.delete("servers/:id/tags/:tag") { _, ctx in
            try Self.since(ctx, 26)
            let s = try await tagServer(ctx)
            let tag = ctx.parameters.get("tag") ?? ""
            guard s.fields.tags.contains(tag) else { throw NovaError.notFound("Tag \(tag) could not be found.") }
            try await store.updateServer(s.instance.uuid, tags: s.fields.tags.filter { $0 != tag })
            return empty(.noContent)
        }

        // ips: the info cache's addresses (address and version only), also while building.
        g.get("servers/:id/ips") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            return try json(.ok, ["addresses": Self.addresses(s.networkInfo, extended: false)])
        }
        g.get("servers/:id/ips/:network") { _, ctx -> Response in
            let s = try await server(ctx.parameters.get("id"), ctx)
            let all: JSON? = s.networkInfo.isEmpty ? nil : Self.addresses(s.networkInfo, extended: false)
            let name = ctx.parameters.get("network") ?? ""
            guard let list = all?[name] else { throw NovaError.notFound("Instance is not a member of specified network") }
            return try json(.ok, [name: list])
        }

        // instance actions
        g.get("servers/:id/os-instance-actions") { req, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            var actions = try await store.actions(s.instance.uuid)
            let q = Self.query(req)
            if ctx.at(58) {
                let (limit, marker) = try page(q)
                if let marker {
                    guard let idx = actions.firstIndex(where: { $0.requestID == marker }) else {
                        throw NovaError.badRequest("Marker \(marker) could not be found.")
                    }
                    actions = Array(actions[(idx + 1)...])
                }
                actions = Array(actions.prefix(limit))
            }
            return try json(.ok, ["instanceActions": .array(actions.map { actionView($0, ctx) })])
        }
        g.get("servers/:id/os-instance-actions/:rid") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            let rid = ctx.parameters.get("rid") ?? ""
            guard let a = try await store.actions(s.instance.uuid).first(where: { $0.requestID == rid }) else {
                throw NovaError.notFound("Action for request_id \(rid) on instance \(s.instance.uuid.uuidString.lowercased()) not found")
            }
            var o = actionView(a, ctx).object ?? [:]
            // Events: admins always; project users from 2.51 (without tracebacks).
            if ctx.auth.isAdmin || ctx.at(51) {
                o["events"] = .array(a.events.map { e in
                    var ev: [String: JSON] = ["event": .string(e.event), "start_time": NovaTime.micro(e.startTime),
                                              "finish_time": NovaTime.micro(e.finishTime), "result": .optional(e.result)]
                    if ctx.auth.isAdmin { ev["traceback"] = .optional(e.traceback) }
                    if ctx.at(62) {
                        if ctx.auth.isAdmin { ev["host"] = .optional(e.host) }
                        ev["hostId"] = .string(e.host.map { SHA224.hex(s.instance.projectID + $0) } ?? "")
                    }
                    if ctx.at(84) { ev["details"] = .null }
                    return .object(ev)
                })
            }
            return try json(.ok, ["instanceAction": .object(o)])
        }
    }

    func actionView(_ a: InstanceAction, _ ctx: NimbusRequestContext) -> JSON {
        var o: [String: JSON] = [
            "action": .string(a.action), "instance_uuid": .string(a.instanceUUID.uuidString.lowercased()),
            "message": .optional(a.message), "project_id": .optional(a.projectID), "request_id": .string(a.requestID),
            "start_time": NovaTime.micro(a.startTime), "user_id": .optional(a.userID),
        ]
        if ctx.at(58) { o["updated_at"] = NovaTime.micro(a.events.compactMap(\.finishTime).max() ?? a.startTime) }
        return .object(o)
    }

    /// A route that exists only from 2.`minor` answers 404 below it, as Nova's versioned methods do.
    static func since(_ ctx: NimbusRequestContext, _ minor: Int) throws {
        guard ctx.at(minor) else { throw NovaError.notFound("The resource could not be found.") }
    }

    static func tag(_ v: JSON) throws -> String {
        guard let s = v.string, !s.isEmpty, s.count <= 60, !s.contains("/"), !s.contains(",") else {
            throw Fields.invalid("tags", v, "\(v.brief) is not a valid tag (1-60 characters, no '/' or ',')")
        }
        return s
    }

    func tagServer(_ ctx: NimbusRequestContext) async throws -> APIServer {
        let s = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:os-server-tags:update")
        let ok: [VMState] = [.active, .paused, .suspended, .stopped, .shelved, .shelvedOffloaded]
        guard ok.contains(s.instance.vmState) else {
            throw NovaError.conflict("Cannot 'update tags' instance \(s.instance.uuid.uuidString.lowercased()) while it is in vm_state \(s.instance.vmState.rawValue)")
        }
        return s
    }

    /// Nova allows metadata writes only in settled states (`check_instance_state(..., task_state=None)`).
    func metadataServer(_ ctx: NimbusRequestContext, action: String) async throws -> APIServer {
        let s = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:server-metadata:update")
        let id = s.instance.uuid.uuidString.lowercased()
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin { throw NovaError.conflict("Instance \(id) is locked") }
        guard [.active, .paused, .suspended, .stopped].contains(s.instance.vmState) else {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in vm_state \(s.instance.vmState.rawValue)")
        }
        if let t = s.instance.taskState {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in task_state \(t.rawValue)")
        }
        return s
    }

    func checkMetadataQuota(_ m: [String: String], _ ctx: NimbusRequestContext) async throws {
        let limit = try await effectiveQuotas(ctx.auth.projectID)["metadata_items"] ?? 128
        if limit >= 0, m.count > limit {
            throw NovaError.forbidden("Quota exceeded for metadata_items: Requested \(m.count), but already used 0 of \(limit) metadata_items")
        }
    }

    func setMetadata(_ req: Request, _ ctx: NimbusRequestContext, replace: Bool) async throws -> Response {
        let s = try await metadataServer(ctx, action: "update metadata")
        let body = try await Self.wrapped(req, "metadata", ctx)
        let m = try Fields.stringMap(body.values, field: "metadata")
        let all = replace ? m : s.instance.metadata.merging(m) { _, new in new }
        try await checkMetadataQuota(all, ctx)
        try await store.updateServer(s.instance.uuid, metadata: all)
        return try json(.ok, ["metadata": .object(all.mapValues(JSON.string))])
    }
}
