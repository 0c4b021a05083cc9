import Foundation
import Logging
import NimbusKernel
import NimbusKernelTestKit
import Testing

@testable import FakeVirtDriver

func fakeDriver(host: String = "fake-1", _ overrides: [String: String] = [:]) throws -> FakeDriver {
    try FakeDriver(context: PluginContext(config: try NimbusConfig(overrides: overrides), logger: Logger(label: "t"),
                                          host: host))
}

@Suite struct FakeDriverTests {
    @Test(arguments: VirtDriverConformance.all)
    func conformance(_ check: VirtDriverConformance.Check) async throws {
        try await check.run { try fakeDriver() }
    }

    @Test func sizesComeFromConfigWithPerHostOverrides() async throws {
        let config = ["fake.vcpus": "8", "fake.memory_mb": "4096", "fake:fake-2.vcpus": "2"]
        #expect(try await fakeDriver(host: "fake-1", config).hostResources().vcpus == 8)
        let r2 = try await fakeDriver(host: "fake-2", config).hostResources()
        #expect(r2.vcpus == 2 && r2.memoryMB == 4096 && r2.hypervisorHostname == "fake-2")
    }

    @Test func spawnFailsOnNamedHosts() async throws {
        let config = ["fake.fail_spawn_hosts": "fake-1,fake-3"]
        let request = SpawnRequest(instance: Make.instance())
        await #expect(throws: VirtDriverError.self) { try await fakeDriver(host: "fake-3", config).spawn(request) }
        try await fakeDriver(host: "fake-2", config).spawn(request)
    }

    @Test func consoleShowsTheBoot() async throws {
        let d = try fakeDriver()
        let i = Make.instance("web-1")
        try await d.spawn(SpawnRequest(instance: i))
        #expect(try await d.consoleOutput(i).contains("web-1 login:"))
    }
}

@Suite struct FakeDriverEventTests {
    @Test func simulatedShutdownIsReportedAsAnEvent() async throws {
        let d = try fakeDriver()
        let i = Make.instance()
        try await d.spawn(SpawnRequest(instance: i))
        try await d.simulate(i.uuid, becomes: .shutdown)
        var it = d.lifecycleEvents().makeAsyncIterator()
        let event = await it.next()
        #expect(event == LifecycleEvent(instanceUUID: i.uuid, powerState: .shutdown))
        #expect(try await d.instanceInfo(i).powerState == .shutdown)
    }
}
