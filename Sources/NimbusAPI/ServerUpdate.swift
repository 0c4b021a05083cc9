import Foundation
import NimbusJSON
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import NimbusKernel
import NimbusStore

extension ComputeAPI {
    /// `PUT /servers/{id}`: name, description (2.19+), hostname (2.90+) and the access IPs; the answer is
    /// Nova's update view (reduced below 2.75, the full show view from 2.75).
    func updateServer(_ req: Request, _ ctx: NimbusRequestContext) async throws -> Response {
        let s = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:servers:update")
        let body = try await Self.wrapped(req, "server", ctx)
        var allowed: Set<String> = ["name", "accessIPv4", "accessIPv6", "OS-DCF:diskConfig"]
        if ctx.at(19) { allowed.insert("description") }
        if ctx.at(90) { allowed.insert("hostname") }
        try body.only(allowed)
        let name = try body.string("name", min: 1, max: 255, trimmed: true)
        let description: String?? = body.has("description") ? .some(try body.string("description", nullable: true)) : nil
        let hostname = try ServerCreateValidation.hostname(body, ctx)
        let (v4, v6) = try AccessIP.parse(body)
        let updated = try await Self.mapped {
            try await store.updateServer(s.instance.uuid, name: name, description: description, hostname: hostname,
                                         accessIPv4: v4, accessIPv6: v6)
        }
        var v = try await viewContext(req, ctx)
        v.updateView = !ctx.at(75)
        let fault = updated.instance.vmState == .error ? try await store.latestFault(updated.instance.uuid) : nil
        let groups = ctx.at(71) ? try await store.serverGroup(forInstance: s.instance.uuid).map { [$0.uuid] } ?? [] : nil
        return try json(.ok, ["server": ServerView.detail(updated, v, fault: fault, groups: groups,
                                                          hints: updated.fields.schedulerHints)])
    }
}

/// Nova's `accessIPv4` / `accessIPv6` (schema formats `ipv4` / `ipv6`), stored in canonical form as Nova's
/// IPAddress fields keep them (`2001:DB8::1` → `2001:db8::1`).
enum AccessIP {
    /// The two fields of a create or update body (nil when absent); a malformed one is 400 with Nova's message.
    static func parse(_ body: Fields) throws -> (v4: String?, v6: String?) {
        (try field(body, "accessIPv4", v6: false), try field(body, "accessIPv6", v6: true))
    }

    static func field(_ body: Fields, _ key: String, v6: Bool) throws -> String? {
        guard let v = body[key] else { return nil }
        guard let s = v.string else {
            let shown = v.isNull ? "None" : v.brief
            throw NovaError.badRequest("Invalid input for field/attribute \(key). Value: \(shown). \(shown) is not of type 'string'")
        }
        guard let ip = canonical(s, v6: v6) else {
            throw NovaError.badRequest("Invalid input for field/attribute \(key). Value: \(s). '\(s)' is not a '\(v6 ? "ipv6" : "ipv4")'")
        }
        return ip
    }

    /// inet_pton's grammar is Python's `ipaddress` one for these (dotted quads without leading zeros; IPv6
    /// without a zone); inet_ntop gives the canonical text.
    static func canonical(_ s: String, v6: Bool) -> String? {
        guard s.utf8.count <= 64, !s.utf8.contains(0) else { return nil }
        var bytes = [UInt8](repeating: 0, count: 16)
        let family = v6 ? AF_INET6 : AF_INET
        guard inet_pton(family, s, &bytes) == 1 else { return nil }
        var text = [CChar](repeating: 0, count: 64)
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return nil }
        return String(decoding: text.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
