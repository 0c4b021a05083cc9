import Foundation
import Hummingbird
import NimbusKernel
import NimbusRPC
import NimbusStore

extension ComputeAPI {
    func addServerRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.post("servers") { req, _ in try await createServer(req) }
        g.get("servers") { req, _ in try await listServers(req, detail: false) }
        g.get("servers/detail") { req, _ in try await listServers(req, detail: true) }
        g.get("servers/:id") { req, ctx in
            let i = try await instance(ctx.parameters.get("id"))
            let fault = i.vmState == .error ? try await store.latestFault(i.uuid) : nil
            return try json(.ok, ["server": ServerView.detail(i, base: Self.baseURL(req), fault: fault,
                                                              defaultAZ: defaultAZ)])
        }
        g.delete("servers/:id") { _, ctx in try await deleteServer(ctx.parameters.get("id")) }
    }

    func instance(_ id: String?) async throws -> InstanceRecord {
        let uuid = try Self.uuid(id)
        guard let i = try await store.instance(uuid) else {
            throw NovaError.notFound("Instance \(id ?? "") could not be found.")
        }
        return i
    }

    // MARK: create

    func createServer(_ req: Request) async throws -> Response {
        let body = try await Self.body(req)
        let p = try ServerCreateRequest(body)
        guard let flavor = try await store.flavor(id: p.flavorRef) else {
            throw NovaError.badRequest("Flavor \(p.flavorRef) could not be found.")
        }
        if flavor.disabled { throw NovaError.badRequest("Flavor is disabled: \(p.flavorRef)") }
        let requestID = RequestContext.requestID ?? RequestContext.newRequestID()
        let reservation = "r-" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(8))
        let now = Date()
        let instances = (0..<p.maxCount).map { n in
            InstanceRecord(
                name: p.maxCount > 1 ? "\(p.name)-\(n + 1)" : p.name, projectID: Self.projectID,
                userID: Self.userID, flavor: flavor, imageRef: p.imageRef, availabilityZone: p.availabilityZone,
                reservationID: reservation, launchIndex: n, keyName: p.keyName, metadata: p.metadata,
                userData: p.userData, createdAt: now)
        }
        let spec = RequestSpec(flavor: flavor, imageRef: p.imageRef, projectID: Self.projectID, userID: Self.userID,
                               numInstances: p.maxCount, availabilityZone: p.availabilityZone,
                               schedulerHints: p.schedulerHints)
        try await store.createInstances(instances, spec: spec, requestID: requestID)
        do {
            try await conductor.cast("schedule_and_build_instances",
                                     ScheduleArgs(spec: spec, instanceUUIDs: instances.map(\.uuid)))
        } catch {
            for i in instances {
                _ = try? await store.updateInstance(i.uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
                try? await store.addFault(InstanceFault(instanceUUID: i.uuid, code: 500,
                                                        message: "Conductor unreachable: \(error)"))
            }
            throw NovaError(.serviceUnavailable, "The conductor cannot be reached: \(error)")
        }
        if p.returnReservationID { return try json(.accepted, ["reservation_id": .string(reservation)]) }
        let first = instances[0]
        let id = first.uuid.uuidString.lowercased()
        let base = Self.baseURL(req)
        return try json(.accepted, ["server": [
            "id": .string(id), "links": ServerView.links(base, id), "OS-DCF:diskConfig": "MANUAL",
            "security_groups": [["name": "default"]], "adminPass": .string(Self.password()),
        ]], headers: [.location: "\(base)/v2.1/servers/\(id)"])
    }

    static func password() -> String {
        let chars = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<12).map { _ in chars.randomElement()! })
    }

    /// Until identity lands every request acts for one project, like Nova's noauth2.
    static let projectID = "admin"
    static let userID = "admin"

    // MARK: list

    func listServers(_ req: Request, detail: Bool) async throws -> Response {
        let q = req.uri.queryParameters
        var limit = maxLimit
        if let l = q["limit"] {
            guard let n = Int(String(l)), n >= 0 else { throw NovaError.badRequest("limit param must be an integer") }
            limit = min(n, maxLimit)
        }
        var marker: UUID?
        if let m = q["marker"] {
            guard let u = UUID(uuidString: String(m)) else { throw NovaError.badRequest("marker [\(m)] not found") }
            marker = u
        }
        let list: [InstanceRecord]
        do {
            list = try await store.instances(InstanceQuery(projectID: Self.projectID, limit: limit, marker: marker))
        } catch StoreError.notFound {
            throw NovaError.badRequest("marker [\(marker?.uuidString.lowercased() ?? "")] not found")
        }
        let base = Self.baseURL(req)
        var faults: [UUID: InstanceFault] = [:]
        if detail {
            for i in list where i.vmState == .error { faults[i.uuid] = try await store.latestFault(i.uuid) }
        }
        var out: [String: JSON] = ["servers": .array(list.map {
            detail ? ServerView.detail($0, base: base, fault: faults[$0.uuid], defaultAZ: defaultAZ)
                : ServerView.brief($0, base: base)
        })]
        if list.count == limit, limit > 0, let last = list.last {
            let path = detail ? "servers/detail" : "servers"
            out["servers_links"] = [["rel": "next",
                                     "href": .string("\(base)/v2.1/\(path)?limit=\(limit)&marker=\(last.uuid.uuidString.lowercased())")]]
        }
        return try json(.ok, .object(out))
    }

    // MARK: delete

    /// Nova's delete: local delete when the instance never reached a host or its compute is down,
    /// otherwise `task_state = deleting` and a `terminate_instance` cast to the compute.
    func deleteServer(_ id: String?) async throws -> Response {
        let i = try await instance(id)
        if i.taskState == .deleting { return empty(.noContent) }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "delete", requestID: rid, userID: Self.userID,
                                    projectID: i.projectID)
        guard let host = i.host else {
            try await store.markDeleted(i.uuid)
            return empty(.noContent)
        }
        let service = try await store.services(binary: "nova-compute", host: host).first
        if !isUp(service) {
            try await store.markDeleted(i.uuid)
            return empty(.noContent)
        }
        let updated = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.deleting)))
        do {
            try await compute.prepare(server: host).cast("terminate_instance", InstanceOperationArgs(instance: updated,
                                                                                                requestID: rid))
        } catch {
            // The compute cannot be reached: delete locally, as Nova does for a down host.
            try await store.markDeleted(i.uuid)
        }
        return empty(.noContent)
    }
}

/// Wire twins of the conductor/compute argument types (the API meets those services only on the wire).
struct ScheduleArgs: Codable, Sendable {
    var spec: RequestSpec
    var instanceUUIDs: [UUID]
}

struct InstanceOperationArgs: Codable, Sendable {
    var instance: InstanceRecord
    var requestID: String?
    var hard = false
    var length: Int?
}
