import ArgumentParser
import Foundation
import NimbusIdentity
import NimbusKernel
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
        func url(_ section: String, _ listen: String, _ option: String, _ port: Int) throws -> String {
            let host = cfg.string(section, listen, default: "127.0.0.1")
            return "http://\(["0.0.0.0", "::"].contains(host) ? runtime.host : host):\(try cfg.int(section, option, default: port))"
        }
        var b = IdentityBootstrap(adminPassword: adminPassword)
        b.adminUser = adminUsername
        b.adminProject = projectName
        b.region = regionID ?? identityConfig.region
        b.resetPassword = resetPassword
        b.catalog = [
            CatalogEntry(type: "identity", name: "keystone",
                         url: try publicURL ?? url("identity", "listen", "port", 5000) + "/v3"),
            CatalogEntry(type: "compute", name: "nova",
                         url: try computeURL ?? url("DEFAULT", "osapi_compute_listen", "osapi_compute_listen_port", 8774)
                             + "/v2.1"),
            CatalogEntry(type: "image", name: "glance",
                         url: try imageURL ?? cfg.list("glance", "api_servers")?.first ?? url("image", "listen", "port", 9292)),
        ]
        let result = try await b.run(store: store, hasher: PasswordHasher(rounds: identityConfig.passwordHashRounds))
        print(result.created.isEmpty ? "Nothing to create: already bootstrapped." : "Created \(result.created.joined(separator: ", ")).")
        print("admin user \(result.userID), project \(result.projectID); catalog: "
              + b.catalog.map { "\($0.type) \($0.urls["public"] ?? "")" }.joined(separator: ", "))
    }
}
