import Foundation
import MetadataDocuments
import NimbusKernel

/// An instance's `MetadataSource` from the store (the metadata service's and the conductor's, for the config
/// drive): the instance and its hostname, its key pair, its ports with their subnets and networks, and its
/// security groups' names.
extension NimbusStore {
    /// Nil when the instance is unknown or deleted. `dhcpDomain` is `[api] dhcp_domain`.
    public func metadataSource(_ uuid: UUID, dhcpDomain: String) async throws -> MetadataSource? {
        let store = self
        guard let server = try await store.apiServer(uuid) else { return nil }
        let i = server.instance
        let host = server.fields.hostname ?? i.name
        var keys: [MetadataSource.Key] = []
        if let name = i.keyName, let k = try await store.keypair(user: i.userID, name: name) {
            keys.append(.init(name: k.name, type: k.type, data: k.publicKey))
        }
        let ports = try await store.ports(deviceID: uuid.uuidString.lowercased())
        var vifs: [MetadataSource.VIF] = []
        var groups: [String] = []
        if !ports.isEmpty {
            let subnets = try await store.subnets(networkIDs: Array(Set(ports.map(\.networkID))))
            for p in ports {
                let mtu = try await store.network(id: p.networkID)?.mtu
                let onPort = subnets.filter { s in p.fixedIPs.contains { $0.subnetID == s.id } }
                vifs.append(.init(portID: p.id, macAddress: p.macAddress, networkID: p.networkID, mtu: mtu,
                                  vifType: p.bindingVifType, subnets: onPort.map { s in
                    .init(ipVersion: s.ipVersion, cidr: s.cidr, gateway: s.gatewayIP, dhcp: s.enableDHCP,
                          dnsNameservers: s.dnsNameservers,
                          ips: p.fixedIPs.filter { $0.subnetID == s.id }.map(\.ipAddress))
                }))
                for g in p.securityGroups where !groups.contains(g) { groups.append(g) }
            }
        }
        var names: [String] = []
        for id in groups { if let g = try await store.securityGroup(id: id) { names.append(g.name) } }
        return MetadataSource(
            uuid: i.uuid, name: i.name, hostname: dhcpDomain.isEmpty ? host : host + "." + dhcpDomain,
            projectID: i.projectID, availabilityZone: i.availabilityZone, launchIndex: i.launchIndex,
            reservationID: i.reservationID, meta: i.metadata,
            userData: i.userData.flatMap { Data(base64Encoded: $0, options: .ignoreUnknownCharacters) }, keys: keys,
            flavorName: i.flavor.name, imageRef: i.imageRef, ephemeralGB: i.flavor.ephemeralGB, swapMB: i.flavor.swapMB,
            securityGroups: names.isEmpty ? ["default"] : names, vifs: vifs)
    }
}
