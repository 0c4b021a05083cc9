import ConductorRPC
import Logging
import NimbusKernel
import NimbusRPC

extension ComputeService {
    /// Reports the driver's capabilities with the node's resources, and the `COMPUTE_*` traits Nova's compute
    /// would put on its placement resource provider. Skipped when `[upgrade_levels] conductor` is below 3.1:
    /// the node then has no capabilities on record and the API leaves the check to this compute.
    /// A conductor older than 3.1 (a rolling upgrade not pinned here) answers unsupported: that must not stop the
    /// compute from starting or reporting, so it is logged and the API leaves the checks to this compute.
    func reportCapabilities(node: String) async throws {
        guard conductor.db.canSend(ConductorAPI.computeNodeCapabilities) else { return }
        let capabilities = driver.capabilities
        do {
            _ = try await conductor.db.call(ConductorAPI.computeNodeCapabilities, ConductorAPI.NodeCapabilities(
                node: node, capabilities: capabilities, traits: capabilities.traits))
        } catch let e as RPCError {
            switch e {
            case .noSuchMethod, .unsupportedVersion: logger.notice("the conductor does not take capability reports: \(e)")
            default: throw e
            }
        }
    }
}
