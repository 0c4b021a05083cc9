import Foundation
import NimbusKernel
import NimbusKernelTestKit
import NimbusStore
import NimbusStorePostgres

/// The store engines every conformance test runs against.
enum Engine: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgresql
    var description: String { rawValue }
}

/// `workers` independent handles on one new, migrated database of `engine` — as several controller processes
/// would hold — closed when `body` ends.
func withStores<T>(_ engine: Engine, workers: Int = 1, _ body: ([any ClaimStore]) async throws -> T) async throws -> T {
    switch engine {
    case .sqlite:
        let path = NSTemporaryDirectory() + "nimbus-conformance-\(UUID().uuidString)/nimbus.sqlite"
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let stores = try (0..<workers).map { _ in try NimbusStore(path: path) }
        try stores[0].migrate()
        return try await body(stores)
    case .postgresql:
        let url = try await TestPostgres.newDatabase()
        let stores = try (0..<workers).map { _ in try PostgresStore(url: url) }
        defer { stores.forEach { $0.close() } }
        try await stores[0].migrate()
        return try await body(stores)
    }
}

func inventory(ratio: Double = 1.0, reservedRAM: Int = 0, configuredRatio: Double? = nil) -> InventorySettings {
    InventorySettings(reserved: Resources(vcpus: 0, memoryMB: reservedRAM, diskGB: 0), cpuRatio: configuredRatio,
                      initialCPURatio: ratio, initialRAMRatio: 1.0, initialDiskRatio: 1.0)
}

func host(_ name: String, vcpus: Int = 4, ram: Int = 4096, disk: Int = 100) -> HostResources {
    HostResources(hypervisorHostname: name, vcpus: vcpus, memoryMB: ram, localGB: disk)
}

let small = Resources(vcpus: 1, memoryMB: 512, diskGB: 10)
