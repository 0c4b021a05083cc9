import Foundation
import Hummingbird
import NimbusJSON
import NimbusKernel
import NimbusStore

/// Nova features Nimbus does not implement (resize, rebuild, migrations, shelve, snapshots, rescue,
/// diagnostics). They answer what Nova answers when the driver or deployment lacks the feature,
/// with Nova's error body, instead of "There is no such action" or a bare 404 for a route Nova has.
extension ComputeAPI {
    /// Server actions Nova has that Nimbus does not implement: 501, as Nova's
    /// `common.raise_feature_not_supported()` answers a driver's NotImplementedError.
    static let unsupportedActions: Set<String> = [
        "createBackup",
        "changePassword", "injectNetworkInfo", "addSecurityGroup", "removeSecurityGroup",
        "addFloatingIp", "removeFloatingIp", "addFixedIp", "removeFixedIp",
    ]
    /// Removed from Nova: 410.
    static let removedActions: Set<String> = ["resetNetwork"]

    static func isUnimplementedAction(_ name: String) -> Bool {
        unsupportedActions.contains(name) || consoleActions[name] != nil || removedActions.contains(name)
    }

    static let notSupported = NovaError(.notImplemented, "The requested functionality is not supported.")

    /// Looks the server up first (404 for a missing or foreign server, 403 for a reader), as Nova does
    /// before it reaches the compute.
    func unimplementedAction(_ name: String, _ args: JSON, _ ctx: NimbusRequestContext) async throws -> Response {
        if Self.removedActions.contains(name) { throw NovaError(.gone, "This API is no longer available.") }
        if Self.consoleActions[name] != nil { return try await legacyConsoleAction(name, args, ctx) }
        _ = try await server(ctx.parameters.get("id"), ctx, write: "os_compute_api:servers:\(name)")
        throw Self.notSupported
    }

    func addUnsupportedServerRoutes(_ g: RouterGroup<NimbusRequestContext>) {
        g.get("servers/:id/diagnostics") { _, ctx -> Response in
            try Policy.admin(ctx, "os_compute_api:os-server-diagnostics")
            _ = try await server(ctx.parameters.get("id"), ctx)
            throw Self.notSupported
        }
    }
}
