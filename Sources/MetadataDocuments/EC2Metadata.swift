import Foundation
import NimbusJSON

/// A node of the EC2 tree: a directory (printed as `name/`, or as its `_name` when it has one, as Nova's
/// `ec2_md_print` does for public keys), a value, or a list printed one item a line.
public indirect enum EC2Node: Sendable, Hashable {
    case dir([String: EC2Node], name: String? = nil)
    case text(String)
    case list([String])
    case bytes(Data)

    /// The node as JSON (the config drive's `ec2/<v>/meta-data.json`; `_name` entries are left out).
    public var json: JSON {
        switch self {
        case .dir(let d, _): .object(d.mapValues(\.json))
        case .text(let s): .string(s)
        case .list(let l): .array(l.map(JSON.string))
        case .bytes(let b): .string(String(decoding: b, as: UTF8.self))
        }
    }

    /// What a GET of this node prints.
    public var printed: Data {
        switch self {
        case .dir(let d, _):
            let lines = d.keys.sorted().map { k -> String in
                if case .dir(_, let name?) = d[k] { return name }
                if case .dir = d[k] { return k + "/" }
                return k
            }
            return Data(lines.joined(separator: "\n").utf8)
        case .text(let s): return Data(s.utf8)
        case .list(let l): return Data(l.joined(separator: "\n").utf8)
        case .bytes(let b): return b
        }
    }
}

extension MetadataSource {
    /// The EC2 tree of one version (`InstanceMetadata.get_ec2_metadata`): `meta-data` and, when set, `user-data`.
    /// `requester` stands in for `local-ipv4` when the instance has no fixed IPv4. Nil for an unknown version.
    public func ec2Tree(version requested: String, requester: String? = nil) -> EC2Node? {
        let version = requested == "latest" ? MetadataVersions.ec2[MetadataVersions.ec2.count - 1] : requested
        guard MetadataVersions.ec2.contains(version) else { return nil }
        func since(_ v: String) -> Bool { MetadataVersions.ec2(version, atLeast: v) }
        var md: [String: EC2Node] = [
            "ami-id": .text(Self.ec2ID("ami", imageRef)), "ami-launch-index": .text(String(launchIndex)),
            "ami-manifest-path": .text("FIXME"), "instance-id": .text(Self.ec2ID("i", uuid.uuidString)),
            "hostname": .text(hostname), "local-ipv4": .text(firstIPv4 ?? requester ?? ""),
            "reservation-id": .text(reservationID), "security-groups": .list(securityGroups),
        ]
        if let key = keys.first {
            md["public-keys"] = .dir(["0": .dir(["openssh-key": .text(key.data)], name: "0=" + key.name)])
        }
        if since("2007-01-19") {
            md["local-hostname"] = .text(hostname)
            md["public-hostname"] = .text(hostname)
            md["public-ipv4"] = .text("")  // no floating IPs on the built-in network
        }
        if since("2007-08-29") { md["instance-type"] = .text(flavorName) }
        if since("2007-12-15") {
            var bdm: [String: EC2Node] = ["ami": .text("vda"), "root": .text("/dev/vda")]
            if ephemeralGB > 0 { bdm["ephemeral0"] = .text("/dev/vdb") }
            if swapMB > 0 { bdm["swap"] = .text(ephemeralGB > 0 ? "/dev/vdc" : "/dev/vdb") }
            md["block-device-mapping"] = .dir(bdm)
        }
        if since("2008-02-01") { md["placement"] = .dir(["availability-zone": .text(availabilityZone ?? "")]) }
        if since("2008-09-01") { md["instance-action"] = .text("none") }
        var top: [String: EC2Node] = ["meta-data": .dir(md)]
        if let userData { top["user-data"] = .bytes(userData) }
        return .dir(top)
    }
}
