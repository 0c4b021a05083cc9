import ArgumentParser
import Foundation
import NimbusKernel

struct AllInOneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "all-in-one",
        abstract: "Run API, scheduler, conductor and compute hosts in one process (embedded SQLite).")

    @OptionGroup var common: CommonOptions

    @Option(help: "Number of fake compute hosts (fake-1 … fake-N) when compute_driver is fake.FakeDriver.")
    var fakeHosts: Int = 4

    func run() async throws {
        let runtime = try common.runtime(label: "nimbus.all-in-one")
        let aio = try AllInOne(runtime: runtime, fakeHosts: fakeHosts)
        try await aio.seedDefaultFlavors()
        Task {
            let port = await aio.apiPort()
            print("""
                Nimbus all-in-one is up: \(aio.computeHosts.count) compute host(s), state in \(runtime.statePath)
                  API:   http://127.0.0.1:\(port)/v2.1   (no token needed until identity is enabled)
                  Try:   curl -s http://127.0.0.1:\(port)/v2.1/os-hypervisors/detail
                         curl -s -X POST http://127.0.0.1:\(port)/v2.1/servers -H 'Content-Type: application/json' \\
                           -d '{"server": {"name": "vm", "imageRef": "cirros", "flavorRef": "1", "max_count": 3}}'
                """)
        }
        try await aio.run()
    }
}
