import Foundation
import Logging
import NeutronClient
import NimbusIdentity
import NimbusKernel
import NimbusNetwork

extension IdentityImageServices {
    /// Nova's Neutron client: `[neutron] url`, else this process's built-in networking service; nil when
    /// neither exists. It logs in as `[neutron] username`/`password` at `[neutron] auth_url`; unset, as the
    /// bootstrap admin at the built-in identity (or `[keystone_authtoken] auth_url`).
    public func neutronClient() -> NeutronClient? {
        let cfg = runtime.config
        let ports = ports
        let endpoint: @Sendable () async -> String
        if let url = externalNeutron {
            endpoint = { url }
        } else if network != nil {
            let host = Self.advertised(NetworkOptions.listen.read(cfg), runtime)
            endpoint = { "http://\(host):\(await ports.wait("network"))" }
        } else {
            return nil
        }
        let authURL: @Sendable () async -> String
        if let a = NeutronClientOptions.authURL.read(cfg) ?? IdentityOptions.authURL.read(cfg) {
            authURL = { a }
        } else if identity != nil {
            let host = Self.advertised(IdentityOptions.listen.read(cfg), runtime)
            authURL = { "http://\(host):\(await ports.wait("identity"))/v3" }
        } else {
            runtime.logger.warning("no [neutron] auth_url and no built-in identity: servers get no networks")
            return nil
        }
        let user = NeutronClientOptions.username.read(cfg)
        let credentials = KeystonePasswordAuth.Credentials(
            authURL: authURL, username: user ?? "admin", password: NeutronClientOptions.password.read(cfg) ?? adminPassword,
            projectName: user == nil ? "admin" : NeutronClientOptions.projectName.read(cfg),
            userDomainName: NeutronClientOptions.userDomainName.read(cfg),
            projectDomainName: NeutronClientOptions.projectDomainName.read(cfg))
        return NeutronClient(endpoint: endpoint, auth: KeystonePasswordAuth(credentials),
                             timeout: (try? NeutronClientOptions.timeout.read(cfg)) ?? 30)
    }
}
