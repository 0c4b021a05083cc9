import BuiltinPlugins
import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import NimbusScheduler
import NimbusStore
import Testing

/// The capacity formula lives once (`FreeCapacity`); the store renders it as SQL. These run both on a table of
/// nodes in a real SQLite store and require the same doubles and the same decisions.
@Suite struct CapacityAgreementTests {
    struct Node: Sendable {
        var total: Resources
        var reserved: Resources
        var ratios: AllocationRatios
        var used: Resources
        /// Lowered after the usage is claimed (usage above capacity, as when an operator lowers a ratio).
        var laterCPURatio: Double?
    }

    static let nodes: [Node] = [
        Node(total: .init(vcpus: 8, memoryMB: 8192, diskGB: 100), reserved: .zero,
             ratios: .init(cpu: 1, ram: 1, disk: 1), used: .zero),
        Node(total: .init(vcpus: 8, memoryMB: 8192, diskGB: 100), reserved: .init(vcpus: 2, memoryMB: 512, diskGB: 10),
             ratios: .init(cpu: 4, ram: 1.5, disk: 0.7), used: .init(vcpus: 5, memoryMB: 3000, diskGB: 20)),
        Node(total: .init(vcpus: 3, memoryMB: 1000, diskGB: 7), reserved: .init(vcpus: 1, memoryMB: 3, diskGB: 1),
             ratios: .init(cpu: 0.3, ram: 1.1, disk: 16), used: .zero),
        Node(total: .init(vcpus: 16, memoryMB: 65536, diskGB: 1000), reserved: .init(vcpus: 4, memoryMB: 0, diskGB: 0),
             ratios: .init(cpu: 16, ram: 0.9, disk: 1), used: .init(vcpus: 100, memoryMB: 100, diskGB: 100),
             laterCPURatio: 2),
        Node(total: .init(vcpus: 2, memoryMB: 2048, diskGB: 20), reserved: .init(vcpus: 1, memoryMB: 0, diskGB: 0),
             ratios: .init(cpu: 1, ram: 1, disk: 1), used: .init(vcpus: 1, memoryMB: 0, diskGB: 0)),
    ]

    static let requests: [Resources] = [
        .zero, .init(vcpus: 1, memoryMB: 512, diskGB: 1), .init(vcpus: 2, memoryMB: 1, diskGB: 1),
        .init(vcpus: 1, memoryMB: 6000, diskGB: 1), .init(vcpus: 1, memoryMB: 1, diskGB: 60),
        .init(vcpus: 30, memoryMB: 1, diskGB: 1),
    ]

    func store() async throws -> (NimbusStore, [UUID]) {
        let store = try NimbusStore(path: NSTemporaryDirectory() + "nimbus-capacity-\(UUID().uuidString)/nimbus.sqlite")
        try store.migrate()
        var uuids: [UUID] = []
        for (i, n) in Self.nodes.enumerated() {
            let host = "node\(i)"
            _ = try await store.registerService(host: host, binary: "nova-compute", topic: "compute")
            let resources = HostResources(hypervisorHostname: host, vcpus: n.total.vcpus, memoryMB: n.total.memoryMB,
                                          localGB: n.total.diskGB)
            func inventory(cpu: Double) -> InventorySettings {
                InventorySettings(reserved: n.reserved, cpuRatio: cpu, ramRatio: n.ratios.ram, diskRatio: n.ratios.disk)
            }
            let record = try await store.upsertComputeNode(host: host, resources: resources,
                                                           inventory: inventory(cpu: n.ratios.cpu))
            if n.used != .zero {
                #expect(try await store.claim(consumer: UUID(), node: record.uuid, resources: n.used))
            }
            if let lower = n.laterCPURatio {
                _ = try await store.upsertComputeNode(host: host, resources: resources, inventory: inventory(cpu: lower))
            }
            uuids.append(record.uuid)
        }
        return (store, uuids)
    }

    /// The SQL free columns the host manager reads equal the Swift formula on the same row, bit for bit.
    @Test func sqlAndSwiftGiveTheSameFreeCapacity() async throws {
        let (store, uuids) = try await store()
        let records = try await store.computeNodes(uuids: uuids.map { $0.uuidString.lowercased() })
        let rows = try await store.schedulerSnapshot(includeInstanceUUIDs: false).nodes
        #expect(records.count == Self.nodes.count && rows.count == Self.nodes.count)
        for record in records {
            let row = try #require(rows.first { $0.uuid.lowercased() == record.uuid.uuidString.lowercased() })
            #expect(row.free == record.free, "\(record.host)")
            // The record's numbers are the table's (the ratio lowered where the case says so).
            let n = Self.nodes[Int(record.host.dropFirst(4))!]
            let ratios = AllocationRatios(cpu: n.laterCPURatio ?? n.ratios.cpu, ram: n.ratios.ram, disk: n.ratios.disk)
            #expect(record.free == FreeCapacity(total: n.total, reserved: n.reserved, ratios: ratios, used: n.used))
        }
    }

    /// The SQL pre-filter, the Swift check and the claim accept exactly the same (node, request) pairs.
    @Test func preFilterFitsAndClaimAgree() async throws {
        let (store, uuids) = try await store()
        let records = try await store.computeNodes(uuids: uuids.map { $0.uuidString.lowercased() })
        for r in Self.requests {
            let sql = Set(try await store.candidates(for: r).map(\.uuid))
            let swift = Set(records.filter { $0.fits(r) }.map(\.uuid))
            #expect(sql == swift, "\(r)")
            let summary = try await store.capacitySummary(for: r)
            #expect(summary.shortVCPU == records.filter { $0.free.vcpus < Double(r.vcpus) }.count, "\(r)")
            #expect(summary.shortMemory == records.filter { $0.free.memoryMB < Double(r.memoryMB) }.count, "\(r)")
            #expect(summary.shortDisk == records.filter { $0.free.diskGB < Double(r.diskGB) }.count, "\(r)")
        }
        // Claims last: each changes the usage the next request sees.
        for record in records {
            let r = Resources(vcpus: 1, memoryMB: 1, diskGB: 1)
            let fits = try #require(try await store.computeNodes(uuids: [record.uuid.uuidString.lowercased()]).first)
                .fits(r)
            #expect(try await store.claim(consumer: UUID(), node: record.uuid, resources: r) == fits, "\(record.host)")
        }
    }

    /// Alternates are checked with the claim's formula: a host whose reserved vCPU leaves no room for another
    /// instance is not offered as an alternate (it was, by a check that ignored reserved vCPUs).
    @Test func alternatesRespectReservedVCPUs() async throws {
        let store = try NimbusStore(path: NSTemporaryDirectory() + "nimbus-alt-\(UUID().uuidString)/nimbus.sqlite")
        try store.migrate()
        // "small": 2 vCPUs, 1 reserved: room for one 1-vCPU instance; the most free RAM, so it is chosen first.
        for (host, vcpus, reserved, ram) in [("big", 8, 0, 4096), ("small", 2, 1, 65536)] {
            _ = try await store.registerService(host: host, binary: "nova-compute", topic: "compute")
            _ = try await store.upsertComputeNode(
                host: host, resources: HostResources(hypervisorHostname: host, vcpus: vcpus, memoryMB: ram, localGB: 100),
                inventory: InventorySettings(reserved: Resources(vcpus: reserved, memoryMB: 0, diskGB: 0),
                                             cpuRatio: 1, ramRatio: 1, diskRatio: 1))
        }
        let scheduler = try SchedulerManager(
            store: store, registry: .builtin(),
            config: try NimbusConfig(overrides: ["filter_scheduler.weight_classes": "RAMWeigher"]),
            logger: Logger(label: "test"))
        let spec = Make.spec(Make.flavor(vcpus: 1)).build()
        let placed = try await scheduler.selectDestinations(spec, instanceUUIDs: [UUID(), UUID()])
        #expect(placed.map { $0.map(\.host) } == [["small", "big"], ["big"]])
    }
}
