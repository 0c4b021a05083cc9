import Foundation
import NimbusKernelTestKit
import NimbusTestCloud
import NimbusKernel

/// A driver for the capability tests: the core operations in memory, no `PausableDriver`, and a
/// `SuspendableDriver` whose `suspend` always fails (a hypervisor refusing), while `resume` works.
actor LimitedDriver: VirtDriver, SuspendableDriver {
    static let name = "test.LimitedDriver"
    let host: String
    var guests: [UUID: (InstanceRecord, PowerState)] = [:]

    init(context: PluginContext) throws { host = context.host ?? "limited" }

    func initHost() async throws {}

    func hostResources() async throws -> HostResources {
        HostResources(hypervisorHostname: host, vcpus: 8, memoryMB: 8704, localGB: 100)
    }

    func spawn(_ request: SpawnRequest) async throws {
        guard guests[request.instance.uuid] == nil else { throw VirtDriverError.instanceExists(request.instance.uuid) }
        guests[request.instance.uuid] = (request.instance, .running)
    }

    func destroy(_ instance: InstanceRecord) async throws { guests[instance.uuid] = nil }

    private func set(_ instance: InstanceRecord, _ state: PowerState) throws {
        guard let g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        guests[instance.uuid] = (g.0, state)
    }

    func reboot(_ instance: InstanceRecord, hard: Bool) async throws { try set(instance, .running) }
    func powerOff(_ instance: InstanceRecord) async throws { try set(instance, .shutdown) }
    func powerOn(_ instance: InstanceRecord) async throws { try set(instance, .running) }

    func suspend(_ instance: InstanceRecord) async throws {
        throw VirtDriverError.hypervisor(code: 55, message: "injected: suspend refused")
    }

    func resume(_ instance: InstanceRecord) async throws { try set(instance, .running) }

    func instanceInfo(_ instance: InstanceRecord) async throws -> InstanceInfo {
        guard let g = guests[instance.uuid] else { throw VirtDriverError.instanceNotFound(instance.uuid) }
        return InstanceInfo(powerState: g.1, memoryMB: g.0.flavor.memoryMB, vcpus: g.0.flavor.vcpus)
    }

    func listInstances() async throws -> [UUID] { Array(guests.keys) }
}
