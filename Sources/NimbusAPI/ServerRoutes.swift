import ComputeRPC
import ConductorRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

extension ComputeAPI {
    func addServerRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.post("servers") { req, ctx in try await createServer(req, ctx) }
        g.get("servers") { req, ctx in try await listServers(req, ctx, detail: false) }
        g.get("servers/detail") { req, ctx in try await listServers(req, ctx, detail: true) }
        g.get("servers/:id") { req, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx)
            let fault = s.instance.vmState == .error ? try await store.latestFault(s.instance.uuid) : nil
            let groups = ctx.at(71) ? try await store.serverGroup(forInstance: s.instance.uuid).map { [$0.uuid] } ?? [] : nil
            var v = try await viewContext(req, ctx)
            v.addresses = Self.addresses(of: [s])
            return try json(.ok, ["server": ServerView.detail(s, v, fault: fault,
                                                              groups: groups, hints: s.fields.schedulerHints)])
        }
        g.put("servers/:id") { req, ctx in try await updateServer(req, ctx) }
        g.delete("servers/:id") { _, ctx in
            let s = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:servers:delete")
            if try await softDeleteServer(s, ctx) { return empty(.noContent) }
            try await deleteServer(s, ctx)
            return empty(.noContent)
        }
    }

    /// A live server the caller may see: another project's server is 404 for non-admins, as Nova's
    /// project-scoped lookup makes it; `write` names the policy a reader lacks (403).
    func server(_ id: String?, _ ctx: NimbusRequestContext, write: String? = nil) async throws -> APIServer {
        guard let id, let uuid = UUID(uuidString: id), let s = try await store.apiServer(uuid),
              ctx.auth.isAdmin || s.instance.projectID == ctx.auth.projectID
        else { throw NovaError.notFound("Instance \(id ?? "") could not be found.") }
        if let write { try Policy.member(ctx, write) } else { try Policy.reader(ctx, "os_compute_api:servers:show") }
        return s
    }

    /// Per-request lookups the views need: aggregate AZs and (for admins at 2.16+) compute host status.
    func viewContext(_ req: Request, _ ctx: NimbusRequestContext) async throws -> ServerViewContext {
        var v = ServerViewContext(base: Self.baseURL(req), microversion: ctx.microversion, isAdmin: ctx.auth.isAdmin,
                                  defaultAZ: defaultAZ)
        for (host, aggs) in try await store.aggregatesByHost() {
            if let az = aggs.compactMap({ $0.metadata["availability_zone"] }).first { v.hostAZ[host] = az }
        }
        if v.isAdmin && v.at(16) {
            for s in try await store.services(binary: "nova-compute") {
                v.hostStatus[s.host] = s.forcedDown ? "DOWN" : s.disabled ? "MAINTENANCE" : isUp(s) ? "UP" : "DOWN"
            }
        }
        return v
    }

    // MARK: create

    func createServer(_ req: Request, _ ctx: NimbusRequestContext) async throws -> Response {
        try Policy.member(ctx, "os_compute_api:servers:create")
        // An [upgrade_levels] pin below the build method fails before anything is created (not ERROR servers).
        let build = ComputeTaskAPI.scheduleAndBuildInstances
        if let pin = conductor.pin, !conductor.canSend(build) {
            let e = RPCError.versionCapped(method: build.name, api: ComputeTaskAPI.name, requires: build.sinceText,
                                           pinned: pin.description)
            throw NovaError(.serviceUnavailable, "The conductor cannot be reached: \(e)")
        }
        var p = try ServerCreateRequest(try await Self.object(req), ctx, maxInstances: maxInstancesPerRequest)
        guard let flavor = try await store.flavor(id: p.flavorRef) else {
            throw NovaError.badRequest("Flavor \(p.flavorRef) could not be found.")
        }
        if flavor.disabled { throw NovaError.badRequest("Flavor is disabled: \(p.flavorRef)") }
        if !flavor.isPublic, !ctx.auth.isAdmin,
           !(try await store.flavorProjects(flavor.id).contains(ctx.auth.projectID)) {
            throw NovaError.badRequest("Flavor \(p.flavorRef) could not be found.")
        }
        let imageProperties = try await bootImageProperties(p.imageRef, flavor, ctx.auth)
        if let key = p.keyName, try await store.keypair(user: ctx.auth.userID, name: key) == nil {
            throw NovaError.badRequest("Invalid key_name provided.")
        }
        if let az = p.availabilityZone, !(try await availabilityZones().contains(az)) {
            throw NovaError.badRequest("The requested availability zone is not available")
        }
        if p.requestsDestination || p.forcedNode != nil {
            p.forcedHost = try await destinationHost(p.forcedHost, node: p.forcedNode, validate: p.requestsDestination)
        }
        let quotas = try await effectiveQuotas(ctx.auth.projectID)
        if let m = quotas["metadata_items"], m >= 0, p.metadata.count > m {
            throw NovaError.forbidden("Quota exceeded for metadata_items: Requested \(p.metadata.count), but already used 0 of \(m) metadata_items")
        }
        var group: UUID?
        if let g = p.schedulerHints["group"]?.first.flatMap(UUID.init(uuidString:)) {
            guard let sg = try? await store.serverGroup(uuid: g), ctx.auth.isAdmin || sg.projectID == ctx.auth.projectID
            else { throw NovaError.badRequest("Invalid server group \(g.uuidString.lowercased())") }
            group = g
        }
        // Like Nova, a multi-create shrinks from max_count toward min_count to fit the instances/cores/ram quota;
        // below min_count the store's quota check answers Nova's 403.
        let usage = try await store.usage(project: ctx.auth.projectID)
        let count = max(p.minCount, min(p.maxCount, Self.allowedCount(flavor, usage, quotas)))
        p.maxCount = count
        let requestID = RequestContext.requestID ?? RequestContext.newRequestID()
        let reservation = "r-" + String(UUID().uuidString.lowercased().filter(\.isLetter).prefix(8))
        let now = Date()
        let instances = (0..<count).map { n in
            InstanceRecord(
                name: count > 1 ? "\(p.name)-\(n + 1)" : p.name, projectID: ctx.auth.projectID,
                userID: ctx.auth.userID, flavor: flavor, imageRef: p.imageRef, availabilityZone: p.availabilityZone,
                reservationID: reservation, launchIndex: n, keyName: p.keyName, metadata: p.metadata,
                userData: p.userData, createdAt: now)
        }
        var spec = RequestSpec(flavor: flavor, imageRef: p.imageRef, imageProperties: imageProperties,
                               projectID: ctx.auth.projectID,
                               userID: ctx.auth.userID, numInstances: count, availabilityZone: p.availabilityZone,
                               schedulerHints: p.schedulerHints, requestedHost: p.forcedHost)
        if let h = p.forcedHost { spec.forceHosts = [h] }
        var nics = try await planNetworks(p.networks, project: ctx.auth.projectID, admin: ctx.auth.isAdmin, count: count)
        let groups = try await securityGroupIDs(p.securityGroups, project: ctx.auth.projectID)
        for n in nics.indices { nics[n].securityGroupIDs = groups }
        var fields = ServerAPIFields(description: p.description, tags: p.tags)
        fields.hostname = p.hostname
        fields.configDrive = p.configDrive
        (fields.accessIPv4, fields.accessIPv6) = (p.accessIPv4, p.accessIPv6)
        try await Self.mapped {
            try await store.createServers(instances, fields: fields, spec: spec, requestID: requestID, group: group,
                                          limits: quotas)
        }
        do { try await allocateNetworks(nics, for: instances) } catch {
            // As a failed allocate_for_instance: the servers go to ERROR, nothing is scheduled.
            for i in instances {
                _ = try? await store.updateInstance(i.uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
                try? await store.addFault(InstanceFault(instanceUUID: i.uuid, code: 500,
                                                        message: "Build of instance \(i.uuid.uuidString.lowercased()) "
                                                            + "aborted: failed to allocate the network(s): \(error)"))
            }
            return try createdResponse(req, p, instances, reservation)
        }
        do {
            try await conductor.cast(ComputeTaskAPI.scheduleAndBuildInstances,
                                     ScheduleAndBuildArgs(spec: spec, instanceUUIDs: instances.map(\.uuid)))
        } catch {
            for i in instances {
                _ = try? await store.updateInstance(i.uuid, InstanceUpdate(vmState: .error, taskState: .some(nil)))
                try? await store.addFault(InstanceFault(instanceUUID: i.uuid, code: 500,
                                                        message: "Conductor unreachable: \(error)"))
            }
            throw NovaError(.serviceUnavailable, "The conductor cannot be reached: \(error)")
        }
        return try createdResponse(req, p, instances, reservation)
    }

    func createdResponse(_ req: Request, _ p: ServerCreateRequest, _ instances: [InstanceRecord], _ reservation: String) throws
        -> Response
    {
        if p.returnReservationID { return try json(.accepted, ["reservation_id": .string(reservation)]) }
        let id = instances[0].uuid.uuidString.lowercased()
        let base = Self.baseURL(req)
        return try json(.accepted, ["server": [
            "id": .string(id), "links": ServerView.links(base, id), "OS-DCF:diskConfig": "MANUAL",
            "security_groups": .array((p.securityGroups.isEmpty ? ["default"] : p.securityGroups).map { ["name": .string($0)] }),
            "adminPass": .string(p.adminPass ?? Self.password()),
        ]], headers: [.location: "\(base)/v2.1/servers/\(id)"])
    }

    /// Nova's `_validate_host_or_node`: a requested host or node that does not exist is 400 before anything
    /// is created (it used to end in ERROR with NoValidHost). The scheduler places hosts, and a node belongs to
    /// one host, so a requested node becomes its host (it was ignored before).
    func destinationHost(_ host: String?, node: String?, validate: Bool) async throws -> String? {
        let nodes = try await store.computeNodes()
        if let node {
            guard let n = nodes.first(where: { $0.resources.hypervisorHostname == node && (host == nil || $0.host == host) })
            else {
                if validate { throw NovaError.badRequest("Compute host \(host ?? node) could not be found.") }
                return host
            }
            return n.host
        }
        if validate, let host, !nodes.contains(where: { $0.host == host }) {
            throw NovaError.badRequest("Compute host \(host) could not be found.")
        }
        return host
    }

    /// Nova's `_check_num_instances_quota` headroom: the most instances of `f` the instances, cores and ram
    /// quotas still allow (`Int.max` when none is limited), computed directly (stepping down one by one froze
    /// the API for a huge max_count).
    static func allowedCount(_ f: Flavor, _ u: ProjectUsage, _ q: [String: Int]) -> Int {
        var allowed = Int.max
        for (k, used, each) in [("instances", u.instances, 1), ("cores", u.cores, f.vcpus), ("ram", u.ram, f.memoryMB)] {
            guard let limit = q[k], limit >= 0, each > 0 else { continue }
            allowed = min(allowed, max(0, limit - used) / each)
        }
        return allowed
    }

    static func password() -> String {
        let chars = Array("abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        return String((0..<12).map { _ in chars.randomElement()! })
    }

    // MARK: delete

    /// Nova's delete: local delete when the instance never reached a host or its compute is down,
    /// otherwise `task_state = deleting` and a `terminate_instance` cast to the compute.
    func deleteServer(_ s: APIServer, _ ctx: NimbusRequestContext) async throws {
        let i = s.instance
        if s.fields.lockedBy != nil, !ctx.auth.isAdmin {
            throw NovaError.conflict("Instance \(i.uuid.uuidString.lowercased()) is locked")
        }
        if i.taskState == .deleting { return }
        let rid = RequestContext.requestID ?? RequestContext.newRequestID()
        try await store.startAction(i.uuid, action: "delete", requestID: rid, userID: ctx.auth.userID,
                                    projectID: i.projectID)
        try await store.removeMember(i.uuid)
        // Nova releases ports when the instance goes (API for a local delete, compute otherwise); here the API
        // does it for both, with the service user's token.
        await deallocateNetworks(i.uuid)
        guard let host = i.host else {
            try await store.markDeleted(i.uuid)
            return
        }
        let service = try await store.services(binary: "nova-compute", host: host).first
        if !isUp(service) {
            try await store.markDeleted(i.uuid)
            return
        }
        let updated = try await store.updateInstance(i.uuid, InstanceUpdate(taskState: .some(.deleting)))
        do {
            try await compute.prepare(server: host).cast(ComputeManagerAPI.terminateInstance,
                                                         InstanceOperation(instance: updated, requestID: rid))
        } catch {
            // The compute cannot be reached: delete locally, as Nova does for a down host.
            try await store.markDeleted(i.uuid)
        }
    }
}
