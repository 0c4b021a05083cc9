import ComputeRPC
import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusRPC
import NimbusStore

/// Remote consoles (nova/api/openstack/compute/remote_consoles.py, console_auth_tokens.py): the compute says
/// where the guest's console listens, the API stores a console auth token for it (only its hash) and answers
/// the proxy URL carrying the token.
extension ComputeAPI {
    static let consolePolicy = "os_compute_api:os-remote-consoles"
    /// The protocols whose consoles Nimbus serves, the compute method and the driver capability they need.
    static let consoleProtocols: [String: (RPCMethod<ComputeManagerAPI, ConsoleRequest, ConsoleConnectInfo>, DriverCapability)] = [
        "vnc": (ComputeManagerAPI.getVNCConsole, .vncConsole),
        "serial": (ComputeManagerAPI.getSerialConsole, .serialConsole),
    ]
    /// The 2.1–2.5 console actions: their protocol and the types their schema accepts.
    static let consoleActions: [String: (protocol: String, types: [String])] = [
        "os-getVNCConsole": ("vnc", ["novnc", "xvpvnc"]), "os-getSPICEConsole": ("spice", ["spice-html5"]),
        "os-getSerialConsole": ("serial", ["serial"]), "os-getRDPConsole": ("rdp", ["rdp-html5"]),
    ]
    /// webob's `HTTPBadRequest()` text, what Nova answers where it raises it bare.
    static let bareBadRequest = "The server could not comply with the request since it is either malformed or otherwise "
        + "incapable of performing the requested action."

    /// Nova's console type unavailable (`ConsoleTypeUnavailable`, 400): a disabled console or a protocol Nimbus
    /// has no proxy for (spice, mks: disabled by default in Nova too; rdp: removed).
    static func consoleUnavailable(_ type: String) -> NovaError {
        .badRequest("Unavailable console type \(type).")
    }

    static func oneOf(_ field: String, _ value: String, _ allowed: [String]) throws {
        guard allowed.contains(value) else {
            let list = "[" + allowed.map { "'\($0)'" }.joined(separator: ", ") + "]"
            throw Fields.invalid(field, .string(value), "'\(value)' is not one of \(list)")
        }
    }

    func addRemoteConsoleRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.post("servers/:id/remote-consoles") { req, ctx -> Response in
            try Self.since(ctx, 6)
            let body = try await Self.wrapped(req, "remote_console", ctx)
            try body.only(["protocol", "type"])
            try body.require("protocol", "type")
            let proto = try body.string("protocol", required: true) ?? ""
            try Self.oneOf("protocol", proto, ["vnc", "spice", "rdp", "serial"] + (ctx.at(8) ? ["mks"] : []))
            let type = try body.string("type", required: true) ?? ""
            try Self.oneOf("type", type, ["novnc", "xvpvnc", "rdp-html5", "spice-html5", "serial"]
                           + (ctx.at(8) ? ["webmks"] : []) + (ctx.at(99) ? ["spice-direct"] : []))
            let s = try await server(ctx.parameters.get("id"), ctx, write: Self.consolePolicy)
            let url = try await consoleURL(s.instance, protocol: proto, type: type, action: "create")
            return try json(.ok, ["remote_console": ["protocol": .string(proto), "type": .string(type), "url": .string(url)]])
        }
        g.get("os-console-auth-tokens/:token") { _, ctx -> Response in
            try Policy.admin(ctx, "os_compute_api:os-console-auth-tokens")
            guard ctx.at(31) else { throw NovaError.badRequest(Self.bareBadRequest) }  // RDP-only before 2.31
            let token = ctx.parameters.get("token") ?? ""
            guard !token.isEmpty else { throw NovaError.badRequest("token not provided") }
            guard let t = try await store.validConsoleToken(token) else { throw NovaError.notFound("Token not found") }
            var c: [String: JSON] = ["instance_uuid": .string(t.instanceUUID.uuidString.lowercased()), "host": .string(t.host),
                                     "port": .int(t.port),
                                     "internal_access_path": t.internalAccessPath.map { .string($0) } ?? .null]
            if ctx.at(99), t.consoleType == "spice-direct", let tls = t.tlsPort { c["tls_port"] = .int(tls) }
            return try json(.ok, ["console": .object(c)])
        }
    }

    /// `{"os-getVNCConsole": {"type": "novnc"}}` and its siblings (2.1–2.5; 404 from 2.6):
    /// 200 `{"console": {"type", "url"}}`. RDP answers a bare 400 (removed from Nova in 29.0.0).
    func legacyConsoleAction(_ name: String, _ args: JSON, _ ctx: NimbusRequestContext) async throws -> Response {
        guard let action = Self.consoleActions[name], !ctx.at(6) else {
            throw NovaError.notFound("The resource could not be found.")
        }
        guard let o = args.object else { throw Fields.invalid(name, args, "\(args.brief) is not of type 'object'") }
        let f = Fields(o, path: name)
        try f.only(["type"])
        let type = try f.string("type", required: true) ?? ""
        try Self.oneOf("type", type, action.types)
        let s = try await server(ctx.parameters.get("id"), ctx, write: Self.consolePolicy)
        if action.protocol == "rdp" { throw NovaError.badRequest(Self.bareBadRequest) }
        let method = ["vnc": "get_vnc_console", "spice": "get_spice_console", "serial": "get_serial_console"][action.protocol]
        let url = try await consoleURL(s.instance, protocol: action.protocol, type: type, action: method ?? name)
        return try json(.ok, ["console": ["type": .string(type), "url": .string(url)]])
    }

    /// Nova's `compute_api.get_<protocol>_console`: `check_instance_host` (409), `reject_instance_state`
    /// (deleting/migrating: 409), the capability the node reported (501 without it), the compute call, then the
    /// token (`[consoleauth] token_ttl`) and its access URL.
    func consoleURL(_ i: InstanceRecord, protocol proto: String, type: String, action: String) async throws -> String {
        let id = i.uuid.uuidString.lowercased()
        guard let host = i.host else { throw NovaError.conflict("Instance \(id) is not ready") }
        if let t = i.taskState, t == .deleting || t == .migrating {
            throw NovaError.conflict("Cannot '\(action)' instance \(id) while it is in task_state \(t.rawValue)")
        }
        guard let (method, capability) = Self.consoleProtocols[proto] else {
            throw Self.consoleUnavailable(proto == "rdp" ? "rdp" : type)
        }
        if let node = i.node, let caps = try await store.nodeCapabilities(node: node), !caps.supports(capability) {
            throw Self.notSupported
        }
        let info: ConsoleConnectInfo
        do {
            info = try await compute.prepare(server: host).call(method, ConsoleRequest(instance: i, consoleType: type))
        } catch let e as RemoteError {
            switch e.type {
            case "ConsoleTypeUnavailable", "ConsoleTypeInvalid": throw NovaError.badRequest(e.message)
            case "InstanceNotReady": throw NovaError.conflict(e.message)
            case "InstanceNotFound": throw NovaError.notFound(e.message)
            case "NotImplemented": throw Self.notSupported
            default: throw NovaError.conflict("Instance \(id) is not ready: \(e.message)")
            }
        } catch RPCError.versionCapped {
            throw Self.notSupported  // an API pinned below 6.6 cannot ask for consoles
        } catch {
            throw NovaError(.serviceUnavailable, "Compute host \(host) could not be reached: \(error)")
        }
        let grant = ConsoleAuthToken(instanceUUID: i.uuid, consoleType: info.consoleType, host: info.host, port: info.port,
                                     internalAccessPath: info.internalAccessPath, accessURLBase: info.accessURLBase)
        guard let (token, _) = try await store.authorizeConsole(grant, ttl: consoleTokenTTL) else {
            throw NovaError.notFound("Instance \(id) could not be found.")
        }
        return grant.accessURL(token: token)
    }
}
