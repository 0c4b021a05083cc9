import BuiltinPlugins
import Foundation
import Logging
import MaintenancePlugins
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import NimbusStore
import Testing

/// Enables the plugins by name in config, as an operator would, and schedules against a real store.
@Suite struct MaintenancePluginsTests {
    let registry = PluginRegistry.builtin()
        .registering(filter: MaintenanceWindowFilter.self)
        .registering(weigher: AggregatePriorityWeigher.self)

    func cloud() async throws -> NimbusStore {
        let store = try NimbusStore(path: NSTemporaryDirectory() + "custom-filter-\(UUID())/nimbus.sqlite")
        try store.migrate()
        for host in ["old1", "new1", "rack7"] {
            _ = try await store.registerService(host: host, binary: "nova-compute", topic: "compute")
            _ = try await store.upsertComputeNode(
                host: host, resources: HostResources(hypervisorHostname: host, vcpus: 8, memoryMB: 8192, localGB: 100),
                inventory: InventorySettings(reserved: .zero, cpuRatio: 1, ramRatio: 1, diskRatio: 1))
        }
        let f = ISO8601DateFormatter()
        let maint = try await store.createAggregate(name: "rack7")
        _ = try await store.addHost("rack7", toAggregate: maint.id)
        let window = "\(f.string(from: Date().addingTimeInterval(-3600)))/\(f.string(from: Date().addingTimeInterval(3600)))"
        _ = try await store.setMetadata(aggregate: maint.id, ["maintenance_window": window, "scheduling_priority": "100"])
        let newRack = try await store.createAggregate(name: "new-racks")
        _ = try await store.addHost("new1", toAggregate: newRack.id)
        _ = try await store.setMetadata(aggregate: newRack.id, ["scheduling_priority": "10"])
        return store
    }

    func scheduler(_ store: NimbusStore, _ options: [String: String]) throws -> SchedulerManager {
        let config = try NimbusConfig(overrides: options)
        try registry.checkConfigured(config)  // unknown names would fail here, as at daemon start
        return try SchedulerManager(store: store, registry: registry, config: config, logger: Logger(label: "t"))
    }

    @Test func enabledByNameTheyAvoidMaintenanceAndPreferPriority() async throws {
        let store = try await cloud()
        let s = try scheduler(store, [
            "filter_scheduler.enabled_filters": "ComputeFilter,MaintenanceWindowFilter",
            "filter_scheduler.weight_classes": "RAMWeigher,AggregatePriorityWeigher",
        ])
        let (report, ranking) = try await s.explain(Make.spec().build())
        // rack7 has the highest priority but is in maintenance: filtered out, with the reason in the report.
        let step = try #require(report.steps.first { $0.name == "MaintenanceWindowFilter" })
        #expect(step.hostsIn == 3 && step.hostsOut == 2 && step.reasons == ["in maintenance": 1])
        #expect(ranking.map(\.host.host) == ["new1", "old1"])
        let placed = try await s.selectDestinations(Make.spec().build(), instanceUUIDs: [UUID()])
        #expect(placed[0][0].host == "new1")
    }

    @Test func withoutThemRack7WouldBeUsed() async throws {
        let store = try await cloud()
        let s = try scheduler(store, ["filter_scheduler.enabled_filters": "ComputeFilter",
                                      "filter_scheduler.weight_classes": "RAMWeigher,AggregatePriorityWeigher"])
        #expect(try await s.explain(Make.spec().build()).ranking.first?.host.host == "rack7")
    }

    @Test func leadTimeAndWindows() throws {
        let now = ISO8601DateFormatter().date(from: "2026-11-25T21:30:00Z")!
        let host = Make.host("h").aggregate(AggregateInfo(id: 1, name: "r", metadata: [
            "maintenance_window": "2026-11-25T22:00:00Z/2026-11-26T02:00:00Z"])).build()
        #expect(try MaintenanceWindowFilter(leadTimeMinutes: 0, now: { now }).filter(host, Make.spec().build()) == .pass)
        #expect(try MaintenanceWindowFilter(leadTimeMinutes: 45, now: { now }).filter(host, Make.spec().build()) != .pass)
    }
}
