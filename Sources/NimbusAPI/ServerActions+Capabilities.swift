import Foundation
import HTTPTypes
import NimbusKernel
import NimbusStore

/// Refusing an action the instance's host cannot do, before any state changes.
///
/// Nova's API casts pause or suspend without knowing the driver: a driver without it raises NotImplementedError
/// in the compute, which records a fault and reverts the task state, and the request has already been
/// answered 202. Nimbus's computes report their driver's capabilities with the node, so where they are on
/// record the API answers the error Nova's controller declares for the action at once: 501 for pause/unpause
/// (`raise_feature_not_supported`), 409 for suspend/resume (its controller has no 501; 409 is what it answers
/// for a feature the instance's setup cannot have). Where they are not (a compute pinned below
/// `compute_node_capabilities`), the compute refuses and reverts as Nova's does.
extension ComputeAPI {
    static let actionCapabilities: [String: DriverCapability] = [
        "pause": .pause, "unpause": .pause, "suspend": .suspend, "resume": .suspend,
        "createImage": .snapshot,
    ]

    func requireCapability(_ i: InstanceRecord, action: String) async throws {
        guard let needed = Self.actionCapabilities[action], let node = i.node,
              let capabilities = try await store.nodeCapabilities(node: node), !capabilities.supports(needed)
        else { return }
        switch action {
        case "pause", "unpause":
            throw NovaError(.notImplemented, "The requested functionality is not supported.")
        default:
            throw NovaError.conflict("Cannot '\(action)' instance \(i.uuid.uuidString.lowercased()): the virt driver "
                                     + "of its host \(i.host ?? node) does not support it")
        }
    }
}
