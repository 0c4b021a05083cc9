import Foundation
import NimbusJSON

/// What one path of the metadata tree answers.
public enum MetadataAnswer: Sendable, Hashable {
    case text(Data)
    case json(Data)
    /// The guest's password endpoint: the server handles GET and POST itself.
    case password
    case notFound
}

/// Path lookup over both trees (`InstanceMetadata.lookup`): paths not under `/openstack` or `/ec2` are EC2,
/// trailing slashes do not matter, unknown versions and names are 404.
extension MetadataSource {
    public func lookup(_ path: String, requester: String? = nil, today: Date = Date()) -> MetadataAnswer {
        var tokens = path.split(separator: "/").map(String.init).filter { $0 != "." }
        if tokens.contains("..") { return .notFound }
        if tokens.first != "openstack" && tokens.first != "ec2" { tokens.insert("ec2", at: 0) }
        if tokens.count == 1 {
            let versions = tokens[0] == "openstack" ? MetadataVersions.openstackListing(today: today)
                                                    : MetadataVersions.ec2Listing
            return .text(Data(versions.joined(separator: "\n").utf8))
        }
        if tokens[0] == "ec2" {
            guard var node = ec2Tree(version: tokens[1], requester: requester) else { return .notFound }
            for t in tokens.dropFirst(2) {
                guard case .dir(let d, _) = node, let next = d[t] else { return .notFound }
                node = next
            }
            return .text(node.printed)
        }
        return openstackItem(version: tokens[1], Array(tokens.dropFirst(2)))
    }

    private func openstackItem(version: String, _ rest: [String]) -> MetadataAnswer {
        guard MetadataVersions.openstack(version, atLeast: MetadataVersions.openstack[0]) != nil, rest.count <= 1 else {
            return .notFound
        }
        func since(_ v: String) -> Bool { MetadataVersions.openstack(version, atLeast: v) ?? false }
        guard let name = rest.first else {
            return .text(Data(openstackFiles(version: version).joined(separator: "\n").utf8))
        }
        switch name {
        case "meta_data.json": return .json(metaDataJSON(version: version).encoded())
        case "user_data": return userData.map(MetadataAnswer.text) ?? .notFound
        case "password" where since(MetadataVersions.grizzly): return .password
        case "vendor_data.json" where since(MetadataVersions.havana): return .json(Self.vendorDataJSON.encoded())
        case "network_data.json" where since(MetadataVersions.liberty): return .json(networkDataJSON().encoded())
        case "vendor_data2.json" where since(MetadataVersions.newtonTwo): return .json(Self.vendorData2JSON.encoded())
        default: return .notFound
        }
    }

    /// `/openstack/<v>`: the documents of that version, in Nova's order.
    public func openstackFiles(version: String) -> [String] {
        func since(_ v: String) -> Bool { MetadataVersions.openstack(version, atLeast: v) ?? false }
        var files = ["meta_data.json"]
        if userData != nil { files.append("user_data") }
        if since(MetadataVersions.grizzly) { files.append("password") }
        if since(MetadataVersions.havana) { files.append("vendor_data.json") }
        if since(MetadataVersions.liberty) { files.append("network_data.json") }
        if since(MetadataVersions.newtonTwo) { files.append("vendor_data2.json") }
        return files
    }
}
