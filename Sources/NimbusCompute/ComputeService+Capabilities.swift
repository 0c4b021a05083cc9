import ConductorRPC
import NimbusKernel
import NimbusRPC

extension ComputeService {
    /// Reports the driver's capabilities with the node's resources, and the `COMPUTE_*` traits Nova's compute
    /// would put on its placement resource provider. Skipped when `[upgrade_levels] conductor` is below 3.1:
    /// the node then has no capabilities on record and the API leaves the check to this compute.
    func reportCapabilities(node: String) async throws {
        guard conductor.db.canSend(ConductorAPI.computeNodeCapabilities) else { return }
        let capabilities = driver.capabilities
        _ = try await conductor.db.call(ConductorAPI.computeNodeCapabilities, ConductorAPI.NodeCapabilities(
            node: node, capabilities: capabilities, traits: capabilities.traits))
    }
}
