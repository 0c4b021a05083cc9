import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// `GET /servers` and `/servers/detail`: Nova's filters, sort keys, paging and `all_tenants`.
extension ComputeAPI {
    /// Query parameters Nova's list schema knows (from 2.75 anything else is a 400).
    static let serverListParams: Set<String> = [
        "user_id", "project_id", "tenant_id", "launch_index", "image_ref", "image", "kernel_id", "ramdisk_id",
        "hostname", "key_name", "power_state", "vm_state", "task_state", "host", "node", "flavor", "reservation_id",
        "launched_at", "terminated_at", "availability_zone", "name", "display_name", "description",
        "display_description", "locked_by", "uuid", "root_device_name", "config_drive", "access_ip_v4",
        "access_ip_v6", "auto_disk_config", "progress", "sort_key", "sort_dir", "all_tenants", "soft_deleted",
        "deleted", "status", "changes-since", "changes-before", "ip", "ip6", "created_at", "block_device_mapping",
        "services", "metadata", "system_metadata", "info_cache", "security_groups", "pci_devices", "limit", "marker",
        "tags", "tags-any", "not-tags", "not-tags-any", "locked", "updated_at", "pinned_availability_zone",
    ]

    /// Sort keys Nova accepts, mapped to our columns (keys without a column here sort by creation).
    static let sortColumns: [String: String] = [
        "created_at": "created_at", "updated_at": "updated_at", "display_name": "display_name", "uuid": "uuid",
        "vm_state": "vm_state", "task_state": "task_state", "power_state": "power_state", "host": "host",
        "node": "node", "launched_at": "launched_at", "terminated_at": "terminated_at", "project_id": "project_id",
        "user_id": "user_id", "availability_zone": "availability_zone", "key_name": "key_name",
        "launch_index": "launch_index", "image_ref": "image_ref", "hostname": "hostname", "locked_by": "locked_by",
        "display_description": "description", "access_ip_v4": "created_at", "access_ip_v6": "created_at",
        "auto_disk_config": "created_at", "config_drive": "created_at", "instance_type_id": "created_at",
        "kernel_id": "created_at", "ramdisk_id": "created_at", "progress": "created_at",
        "root_device_name": "created_at",
    ]

    /// Status filter values → vm_states (Nova's `task_and_vm_state_from_status`).
    static let statusStates: [String: [String]] = [
        "ACTIVE": ["active"], "BUILD": ["building"], "SHUTOFF": ["stopped"], "PAUSED": ["paused"],
        "SUSPENDED": ["suspended"], "ERROR": ["error"], "DELETED": ["deleted"], "SOFT_DELETED": ["soft-delete"],
        "RESCUE": ["rescued"], "VERIFY_RESIZE": ["resized"], "SHELVED": ["shelved"],
        "SHELVED_OFFLOADED": ["shelved_offloaded"], "REBOOT": ["active"], "HARD_REBOOT": ["active"],
        "MIGRATING": ["active", "paused"], "RESIZE": ["active", "stopped"], "REBUILD": ["active", "stopped", "error"],
        "PASSWORD": ["active"], "REVERT_RESIZE": ["resized"],
    ]

    func listServers(_ req: Request, _ ctx: NimbusRequestContext, detail: Bool) async throws -> Response {
        try Policy.reader(ctx, "os_compute_api:servers:index")
        let q = Self.query(req)
        if ctx.at(75), let bad = q.keys.sorted().first(where: { !Self.serverListParams.contains($0) }) {
            throw NovaError.badRequest("Invalid input for query parameters \(bad). Additional properties are not allowed ('\(bad)' was unexpected)")
        }
        func one(_ k: String) -> String? { q[k]?.last }
        let (limit, marker) = try page(q)
        var lq = ServerListQuery()
        let admin = ctx.auth.isAdmin
        let allTenants = one("all_tenants").map { !["0", "false", "no", "off"].contains($0.lowercased()) } ?? false
        if allTenants, !admin {
            throw Policy.denied("os_compute_api:servers:\(detail ? "detail" : "index"):get_all_tenants")
        }
        // Non-admins always list their own project; admin-only filters are dropped for them, as Nova does.
        lq.projectID = allTenants ? (admin ? one("project_id") ?? one("tenant_id") : nil) : ctx.auth.projectID
        if admin {
            lq.host = one("host")
            lq.node = one("node")
            if let d = one("deleted"), ["true", "1", "yes"].contains(d.lowercased()) { lq.includeDeleted = true; lq.vmStates = ["deleted", "soft-delete"] }
        }
        lq.userID = one("user_id")
        lq.flavorID = one("flavor")
        lq.imageRef = one("image") ?? one("image_ref")
        lq.availabilityZone = one("availability_zone")
        lq.reservationID = one("reservation_id")
        lq.keyName = one("key_name")
        if let v = q["vm_state"] { lq.vmStates = v }
        if let s = q["status"] {
            guard let states = try Self.statusFilter(s, ctx) else { return try json(.ok, ["servers": []]) }
            lq.vmStates = states
            if states == ["deleted"] { lq.includeDeleted = true }
        }
        func tags(_ k: String) -> [String] { (q[k] ?? []).flatMap { $0.split(separator: ",").map(String.init) } }
        lq.tagsAll = tags("tags"); lq.tagsAny = tags("tags-any")
        lq.notTagsAll = tags("not-tags"); lq.notTagsAny = tags("not-tags-any")
        if ctx.at(73), let l = one("locked") {
            guard let b = ["true": true, "false": false, "1": true, "0": false][l.lowercased()] else {
                throw NovaError.badRequest("Invalid input for query parameters locked. Value: \(l).")
            }
            lq.lockedOnly = b
        }
        if let c = one("changes-since") {
            guard let d = Self.parseTime(c) else { throw NovaError.badRequest("Invalid input for query parameters changes-since. Value: \(c). '\(c)' is not a 'date-time'") }
            lq.changesSince = d
            lq.includeDeleted = true
        }
        let keys = q["sort_key"] ?? [], dirs = q["sort_dir"] ?? []
        for (n, k) in keys.enumerated() {
            guard let col = Self.sortColumns[k] else {
                throw NovaError.badRequest("Invalid input for query parameters sort_key. Value: \(k).")
            }
            let dir = n < dirs.count ? dirs[n] : (dirs.last ?? "desc")
            guard dir == "asc" || dir == "desc" else {
                throw NovaError.badRequest("Invalid input for query parameters sort_dir. Value: \(dir).")
            }
            if !lq.sort.contains(where: { $0.column == col }) { lq.sort.append((col, dir == "desc")) }
        }
        let name = one("name") ?? one("display_name")
        let statuses = q["status"]?.map { $0.uppercased() }
        let ip = one("ip") ?? one("ip6")
        // Filters applied after the query below; without them the store pages in SQL.
        let filteredAfter = name != nil || (statuses.map { !$0.contains("DELETED") } ?? false) || one("uuid") != nil
            || one("hostname") != nil || !(ip ?? "").isEmpty
        if !filteredAfter {
            var m: UUID?
            if let marker {
                guard let u = UUID(uuidString: marker) else { throw NovaError.badRequest("marker [\(marker)] not found") }
                m = u
            }
            lq.page = ServerPage(marker: m, limit: limit)
        }
        // The detail view's lookups (aggregates, compute services) run alongside the server query.
        async let detailContext: ServerViewContext? = detail ? viewContext(req, ctx) : nil
        var servers: [APIServer]
        do { servers = try await store.apiServers(lq) } catch let e as MarkerNotFound {
            throw NovaError.badRequest("marker [\(marker ?? e.marker.uuidString.lowercased())] not found")
        }
        // Nova's name filter is a regular expression (searched, not anchored).
        if let name {
            let re = try? NSRegularExpression(pattern: name)
            servers = servers.filter { s in
                guard let re else { return s.instance.name.contains(name) }
                return re.firstMatch(in: s.instance.name, range: NSRange(s.instance.name.startIndex..., in: s.instance.name)) != nil
            }
        }
        if let st = statuses, !st.contains("DELETED") {
            servers = servers.filter { st.contains($0.instance.status) }
        }
        if let u = one("uuid") {
            let wanted = UUID(uuidString: u)
            servers = servers.filter { $0.instance.uuid == wanted }
        }
        if let h = one("hostname") { servers = servers.filter { $0.fields.hostname == h } }
        if !(ip ?? "").isEmpty { servers = Self.filterByAddress(servers, v4: one("ip"), v6: one("ip6")) }
        if lq.page == nil, let m = marker {
            let wanted = UUID(uuidString: m)
            guard let idx = servers.firstIndex(where: { $0.instance.uuid == wanted }) else {
                throw NovaError.badRequest("marker [\(m)] not found")
            }
            servers = Array(servers[(idx + 1)...])
        }
        let page = Array(servers.prefix(limit))
        let base = Self.baseURL(req)
        var links: JSON?
        if page.count == limit, limit > 0, let last = page.last {
            links = Self.nextLink(req, detail ? "servers/detail" : "servers", limit: limit,
                                  marker: ServerView.lowercasedID(last.instance.uuid))
        }
        guard detail else {
            var out: [String: JSON] = ["servers": .array(page.map { ServerView.brief($0.instance, base: base) })]
            out["servers_links"] = links
            return try json(.ok, .object(out))
        }
        // Always set here (the listing is a detail one); a nil would be a bug above, answered as a 500.
        guard var v = try await detailContext?.preparedForListing(page) else {
            throw NovaError(.internalServerError, "server view context missing")
        }
        v.addresses = Self.addresses(of: page)
        // One query for the page's faults (only servers in ERROR show one), not one per server.
        let faults = try await store.latestFaults(page.filter { $0.instance.vmState == .error }.map(\.instance.uuid))
        // Written server by server: a JSON tree of the whole page was built, hashed and walked again.
        var body = JSONSink(capacity: page.count * 2048 + 256)
        defer { body.deallocate() }
        body.append(contentsOf: #"{"servers":["#.utf8)
        await ServerView.writeListing(page, v, faults: faults, to: &body)
        body.append(UInt8(ascii: "]"))
        if let links {
            body.append(contentsOf: #","servers_links":"#.utf8)
            links.write(to: &body)
        }
        body.append(UInt8(ascii: "}"))
        return json(.ok, bytes: body.bytes)
    }

    /// ISO 8601 as Nova's `changes-since` accepts it (with or without zone and fraction).
    /// Nova's accepted times: ISO 8601 with or without a fraction, a zone, or a space for the `T` (a time
    /// without a zone is UTC). `openstack usage list` sends `2026-10-28T12:04:57.651238`.
    static func parseTime(_ s: String) -> Date? {
        var t = s
        if t.count > 10, t[t.index(t.startIndex, offsetBy: 10)] == " " {
            t.replaceSubrange(t.index(t.startIndex, offsetBy: 10)...t.index(t.startIndex, offsetBy: 10), with: "T")
        }
        let time = t.dropFirst(10)
        if !(t.hasSuffix("Z") || time.contains("+") || time.contains("-")) { t += "Z" }
        let f = ISO8601DateFormatter()
        for opts: ISO8601DateFormatter.Options in [[.withInternetDateTime, .withFractionalSeconds], [.withInternetDateTime]] {
            f.formatOptions = opts
            if let d = f.date(from: t) { return d }
        }
        return nil
    }
}
