import ArgumentParser
import Foundation
import NimbusAPI
import NimbusIdentity
import NimbusImage
import NimbusKernel
import NeutronClient
import NimbusNetwork
import NimbusStore

/// `nimbus manage bootstrap` (keystone-manage bootstrap): admin user and project, roles admin ⊃ member ⊃ reader,
/// the admin grant, and the catalog's identity, compute and image endpoints. Safe to run again.
struct ManageBootstrapCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bootstrap", abstract: "Create the admin account, roles and service catalog (keystone-manage bootstrap).")

    @OptionGroup var common: CommonOptions
    @Option(help: "Password of the admin user.") var adminPassword: String
    @Option(help: "Name of the admin user.") var adminUsername = "admin"
    @Option(help: "Name of the admin project.") var projectName = "admin"
    @Option(help: "Region of the endpoints (default [identity] region).") var regionID: String?
    @Option(help: "Identity URL for the catalog (default from [identity] listen/port, + /v3).") var publicURL: String?
    @Option(help: "Compute URL for the catalog (default from osapi_compute_listen(_port), + /v2.1).") var computeURL: String?
    @Option(help: "Image URL for the catalog (default [glance] api_servers, else [image] listen/port).") var imageURL: String?
    @Flag(help: "Set the admin password even if the admin user exists.") var resetPassword = false

    func run() async throws {
        let runtime = try common.runtime(label: "nimbus.manage")
        let cfg = runtime.config
        let store = try runtime.openStore(migrate: true)
        let identityConfig = try IdentityConfig(config: cfg, statePath: runtime.statePath)
        func url(_ listen: TypedOption<String>, _ port: TypedOption<Int>) throws -> String {
            let host = listen.read(cfg)
            return "http://\(["0.0.0.0", "::"].contains(host) ? runtime.host : host):\(try port.read(cfg))"
        }
        var b = IdentityBootstrap(adminPassword: adminPassword)
        b.adminUser = adminUsername
        b.adminProject = projectName
        b.region = regionID ?? identityConfig.region
        b.resetPassword = resetPassword
        b.catalog = [
            CatalogEntry(type: "identity", name: "keystone",
                         url: try publicURL ?? url(IdentityOptions.listen, IdentityOptions.port) + "/v3"),
            CatalogEntry(type: "compute", name: "nova",
                         url: try computeURL ?? url(APIOptions.listen, APIOptions.listenPort)
                             + "/v2.1"),
            CatalogEntry(type: "image", name: "glance",
                         url: try imageURL ?? ImageOptions.apiServers.read(cfg)?.first ?? url(ImageOptions.listen, ImageOptions.port)),
            CatalogEntry(type: "network", name: "neutron",
                         url: try NeutronClientOptions.url.read(cfg) ?? url(NetworkOptions.listen, NetworkOptions.port)),
        ]
        let result = try await b.run(store: store, hasher: PasswordHasher(rounds: identityConfig.passwordHashRounds))
        print(result.created.isEmpty ? "Nothing to create: already bootstrapped." : "Created \(result.created.joined(separator: ", ")).")
        print("admin user \(result.userID), project \(result.projectID); catalog: "
              + b.catalog.map { "\($0.type) \($0.urls["public"] ?? "")" }.joined(separator: ", "))
    }
}
