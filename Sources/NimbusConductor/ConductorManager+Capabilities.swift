import ConductorRPC
import NimbusKernel
import NimbusRPC
import NimbusStore

extension ConductorManager {
    /// Bounds on a capability report: a compute is trusted, but a bad one must not fill the database.
    static let maxCapabilities = 256
    static let maxCapabilityLength = 255

    /// `compute_node_capabilities`: stores the driver's capabilities and traits on the node's row, where the
    /// API reads them to refuse an action the host cannot do.
    func serveCapabilities(_ db: inout RPCEndpoint) {
        db.on(ConductorAPI.computeNodeCapabilities) { a in
            let names = a.capabilities.names + a.traits
            guard a.capabilities.supported.count <= Self.maxCapabilities, a.traits.count <= Self.maxCapabilities,
                  names.allSatisfy({ !$0.isEmpty && $0.utf8.count <= Self.maxCapabilityLength })
            else {
                throw RemoteError(type: "Invalid", message: "capability report for \(a.node) exceeds the bounds")
            }
            try await store.setNodeCapabilities(node: a.node, a.capabilities, traits: a.traits)
            return Empty()
        }
    }
}
