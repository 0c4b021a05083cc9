import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Nova features Nimbus does not implement (resize, rebuild, migrations, shelve, snapshots, rescue, remote
/// consoles, diagnostics). They answer what Nova answers when the driver or deployment lacks the feature,
/// with Nova's error body, instead of "There is no such action" or a bare 404 for a route Nova has.
extension ComputeAPI {
    /// Server actions Nova has that Nimbus does not implement: 501, as Nova's
    /// `common.raise_feature_not_supported()` answers a driver's NotImplementedError.
    static let unsupportedActions: Set<String> = [
        "os-migrateLive", "evacuate",
        "createImage", "createBackup", "shelve", "unshelve", "shelveOffload",
        "changePassword", "injectNetworkInfo", "addSecurityGroup", "removeSecurityGroup",
        "addFloatingIp", "removeFloatingIp", "addFixedIp", "removeFixedIp",
    ]
    /// The console actions of 2.1–2.5 (later replaced by `/remote-consoles`).
    static let consoleActions: [String: String] = [
        "os-getVNCConsole": "vnc", "os-getSPICEConsole": "spice", "os-getSerialConsole": "serial",
    ]
    /// Removed from Nova: 410.
    static let removedActions: Set<String> = ["os-getRDPConsole", "resetNetwork"]

    static func isUnimplementedAction(_ name: String) -> Bool {
        unsupportedActions.contains(name) || consoleActions[name] != nil || removedActions.contains(name)
    }

    static let notSupported = NovaError(.notImplemented, "The requested functionality is not supported.")

    /// Looks the server up first (404 for a missing or foreign server, 403 for a reader), as Nova does
    /// before it reaches the compute.
    func unimplementedAction(_ name: String, _ args: JSON, _ ctx: NimbusRequestContext) async throws -> Response {
        if Self.removedActions.contains(name) { throw NovaError(.gone, "This API is no longer available.") }
        if Self.consoleActions[name] != nil, ctx.at(6) {
            throw NovaError.notFound("The resource could not be found.")
        }
        let policy = Self.consoleActions[name] != nil ? "os_compute_api:os-remote-consoles" : "os_compute_api:servers:\(name)"
        _ = try await server(ctx.parameters.get("id"), ctx, write: policy)
        if Self.consoleActions[name] != nil {
            throw Self.consoleUnavailable(args.object?["type"]?.string ?? "")
        }
        throw Self.notSupported
    }

    /// Nimbus runs no console proxy, so every console type is unavailable: Nova's answer with the
    /// console service disabled (`ConsoleTypeUnavailable`, 400).
    static func consoleUnavailable(_ type: String) -> NovaError {
        .badRequest("Unavailable console type \(type).")
    }

    func addUnsupportedServerRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.post("servers/:id/remote-consoles") { req, ctx -> Response in
            try Self.since(ctx, 6)
            let body = try await Self.wrapped(req, "remote_console", ctx)
            try body.only(["protocol", "type"])
            try body.require("protocol", "type")
            let proto = try body.string("protocol", required: true)!
            let protocols = ctx.at(8) ? ["vnc", "spice", "serial", "mks"] : ["vnc", "spice", "serial"]
            guard protocols.contains(proto) else {
                throw Fields.invalid("protocol", .string(proto), "'\(proto)' is not one of \(protocols)")
            }
            let type = try body.string("type", required: true)!
            _ = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:os-remote-consoles")
            throw Self.consoleUnavailable(type)
        }
        g.get("servers/:id/diagnostics") { _, ctx -> Response in
            try Policy.admin(ctx, "os_compute_api:os-server-diagnostics")
            _ = try await server(ctx.parameters.get("id"), ctx)
            throw Self.notSupported
        }
    }
}
