import Foundation
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

extension ConductorManager {
    /// The request spec of a move off `source` (evacuate, live migration): the instance's own spec with its current
    /// flavor and owner, one instance, the source ignored, and the operator's host — a preference, or with `force`
    /// the only candidate, as Nova's `force` skips the filters' choice.
    func moveSpec(_ instance: InstanceRecord, from source: String, host: String?, force: Bool) async -> RequestSpec {
        var spec = (try? await store.requestSpec(instance.uuid)) ?? RequestSpec(flavor: instance.flavor)
        spec.flavor = instance.flavor
        spec.numInstances = 1
        spec.projectID = instance.projectID
        spec.userID = instance.userID
        spec.ignoreHosts = [source]
        spec.requestedHost = force ? nil : host
        spec.forceHosts = force ? host.map { [$0] } : nil
        spec.currentHost = nil
        spec.isRebuild = false
        return spec
    }

    /// One destination from the scheduler (claimed), or NoValidHost.
    func selectDestination(_ spec: RequestSpec, for instance: UUID) async throws -> Selection {
        let selections = try await scheduler.call(
            SchedulerAPI.selectDestinations, SelectDestinationsArgs(spec: spec, instanceUUIDs: [instance]))
        guard let first = selections.first?.first else { throw NoValidHost(report: FilterReport()) }
        return first
    }
}
