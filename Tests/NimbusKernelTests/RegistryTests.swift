import Foundation
import Logging
import NimbusKernel
import Testing

@testable import BuiltinPlugins

struct RackFilter: HostFilter {
    static let name = "RackFilter"
    init(context: PluginContext) throws {}
    func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict { .pass }
}

struct ImpostorComputeFilter: HostFilter {
    static let name = "ComputeFilter"
    init(context: PluginContext) throws {}
    func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict { .reject("never") }
}

struct SecondFake: NetworkBackend {
    static let name = "fake"
    init(context: PluginContext) throws {}
    func plug(_ port: HostPort) async throws -> PluggedVIF { PluggedVIF(portID: port.id, macAddress: "", bridge: "", device: "") }
    func unplug(instance: UUID) async throws {}
    func applyRules(portID: String, rules: [SecurityRule], portSecurity: Bool) async throws {}
    func pluggedPorts() async -> [HostPort] { [] }
}

let testLogger = Logger(label: "test")

@Suite struct RegistryTests {
    func context(_ overrides: [String: String] = [:]) throws -> PluginContext {
        PluginContext(config: try NimbusConfig(overrides: overrides), logger: testLogger)
    }

    @Test func builtinRegistersFoundationPlugins() throws {
        let r = PluginRegistry.builtin()
        try r.validate()
        #expect(r.filters["ComputeFilter"] != nil)
        #expect(r.virtDrivers["fake.FakeDriver"] != nil)
        #expect(r.transports["inprocess"] != nil)
        #expect(Set(r.weigherOrder).isSuperset(of: ["RAMWeigher", "CPUWeigher", "DiskWeigher"]))
    }

    @Test func networkBackendsAreAFifthKindChosenByConfig() throws {
        let r = PluginRegistry.builtin()
        #expect(Set(r.networkBackends.keys) == ["fake", "linuxbridge"])
        #expect(r.allOptions.contains { $0.section == "linux_bridge" && $0.name == "metadata_port" })
        // The default follows the virt driver: a libvirt compute plugs real bridges, the fake one records.
        #expect(CoreOptions.networkBackend.read(try NimbusConfig()) == "fake")
        #expect(CoreOptions.networkBackend.read(try NimbusConfig(overrides: ["DEFAULT.compute_driver": "libvirt.LibvirtDriver"]))
                == "linuxbridge")
        #expect(type(of: try r.makeNetworkBackend(named: "fake", context: try context(["DEFAULT.host": "h"]))).name == "fake")
        let bad = try NimbusConfig(overrides: ["network.backend": "ovs"])
        do {
            try r.checkConfigured(bad)
            Issue.record("unknown backend accepted")
        } catch let e as PluginError {
            #expect("\(e)" == "[network] backend names unknown network backend 'ovs'; known: fake, linuxbridge")
        }
        #expect(throws: PluginError.duplicate(kind: .networkBackend, name: "fake")) {
            try PluginRegistry.builtin().registering(networkBackend: SecondFake.self).validate()
        }
    }

    @Test func duplicateNameIsRejected() throws {
        var r = PluginRegistry.builtin()
        #expect(throws: PluginError.duplicate(kind: .filter, name: "ComputeFilter")) {
            try r.register(filter: ImpostorComputeFilter.self)
        }
        // The chainable form remembers the duplicate and fails validation at startup.
        let chained = PluginRegistry.builtin().registering(filter: ImpostorComputeFilter.self)
        #expect(throws: PluginError.duplicate(kind: .filter, name: "ComputeFilter")) { try chained.validate() }
    }

    @Test func unknownPluginNamesListKnownOnes() throws {
        let r = PluginRegistry.builtin()
        let config = try NimbusConfig(overrides: ["filter_scheduler.enabled_filters": "ComputeFilter,NoSuchFilter"])
        do {
            try r.checkConfigured(config)
            Issue.record("unknown filter accepted")
        } catch let e as PluginError {
            #expect("\(e)".contains("NoSuchFilter"))
            #expect("\(e)".contains("ComputeFilter"))  // the known names are listed
            #expect("\(e)".contains("[filter_scheduler] enabled_filters"))
        }
        let badDriver = try NimbusConfig(overrides: ["DEFAULT.compute_driver": "hyperv.HyperVDriver"])
        #expect(throws: PluginError.self) { try r.checkConfigured(badDriver) }
        #expect(throws: PluginError.self) {
            _ = try r.makeTransport(url: "amqp://guest@localhost", context: try context())
        }
    }

    @Test func customPluginsComposeAtBuildTime() throws {
        let r = PluginRegistry.builtin().registering(filter: RackFilter.self)
        try r.validate()
        let filters = try r.makeFilters(named: ["RackFilter", "ComputeFilter"], context: try context())
        #expect(filters.map { type(of: $0).name } == ["RackFilter", "ComputeFilter"])
    }
}
