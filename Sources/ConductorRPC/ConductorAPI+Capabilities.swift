import Foundation
import NimbusKernel
import NimbusRPC

extension ConductorAPI {
    /// A compute reports its driver's capabilities and the `COMPUTE_*` traits they map to (what Nova's compute
    /// puts on its resource provider in placement). Nimbus's own method, so the next minor: a compute pinned to
    /// 3.0 skips it and the API, knowing nothing, leaves the check to the compute.
    public static let computeNodeCapabilities = Call<NodeCapabilities, Empty>(
        .call, "compute_node_capabilities", since: RPCVersion(3, 1))

    public struct NodeCapabilities: Codable, Sendable, Hashable {
        /// The node's `hypervisor_hostname` (as in `NodeUpdate.resources`).
        public var node: String
        public var capabilities: DriverCapabilities
        public var traits: [String]
        public init(node: String, capabilities: DriverCapabilities, traits: [String]) {
            self.node = node
            self.capabilities = capabilities
            self.traits = traits
        }
    }
}
