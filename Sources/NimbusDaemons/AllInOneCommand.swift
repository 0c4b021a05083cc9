import ArgumentParser
import Foundation
import NimbusAPI
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
            say("""
                Nimbus all-in-one is up: \(aio.computeHosts.count) compute host(s), state in \(runtime.statePath)
                  API:   http://127.0.0.1:\(port)/v2.1   (\(aio.api.requiresToken
                    ? "X-Auth-Token from the identity service below; README shows curl"
                    : "[api] auth_strategy = noauth2: no token, every caller is admin"))
                """)
            let ii = aio.identityImage
            if ii.identity != nil {
                let idPort = await ii.port("identity")
                say("""
                      Identity: http://127.0.0.1:\(idPort)/v3   admin password: \(ii.adminPassword)
                      CLI:   export OS_AUTH_URL=http://127.0.0.1:\(idPort)/v3 OS_USERNAME=admin \\
                               OS_PASSWORD='\(ii.adminPassword)' OS_PROJECT_NAME=admin OS_USER_DOMAIN_NAME=Default \\
                               OS_PROJECT_DOMAIN_NAME=Default OS_IDENTITY_API_VERSION=3
                    """)
            }
            if ii.image != nil { say("  Image: http://127.0.0.1:\(await ii.port("image"))") }
            else if let glance = ii.externalGlance { say("  Image: \(glance) (external Glance)") }
        }
        try await aio.run()
    }
}

/// The banner goes out unbuffered: `print` to a file or pipe (systemd, `make run | tee`) held it in stdio's
/// buffer until exit.
private func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
