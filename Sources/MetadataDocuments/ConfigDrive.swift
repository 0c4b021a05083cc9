import Foundation
import NimbusJSON

/// The config drive (`nova/virt/configdrive.py`): the metadata service's documents as files on an ISO 9660
/// image labelled `config-2`, from the same builders as the HTTP answers.
public enum ConfigDrive {
    /// EC2 versions written to the drive (Nova skips the older ones: `[api] config_drive_skip_versions`).
    static let ec2Versions = ["2009-04-04", "latest"]

    /// Every file of the drive, relative path → bytes (Nova's `metadata_for_config_drive`): `ec2/<v>/` for the
    /// unskipped EC2 versions, `openstack/<v>/` for every OpenStack version and `latest` (no date hiding, no
    /// password file; `admin_pass` in `meta_data.json`).
    public static func files(_ s: MetadataSource) -> [(path: String, data: Data)] {
        var out: [(String, Data)] = []
        for v in ec2Versions {
            guard case .dir(let top, _)? = s.ec2Tree(version: v), let md = top["meta-data"] else { continue }
            if case .bytes(let ud)? = top["user-data"] { out.append(("ec2/\(v)/user-data", ud)) }
            out.append(("ec2/\(v)/meta-data.json", md.json.encoded()))
        }
        for v in MetadataVersions.openstack + ["latest"] {
            func since(_ r: String) -> Bool { MetadataVersions.openstack(v, atLeast: r) ?? false }
            out.append(("openstack/\(v)/meta_data.json", s.metaDataJSON(version: v, configDrive: true).encoded()))
            if let ud = s.userData { out.append(("openstack/\(v)/user_data", ud)) }
            if since(MetadataVersions.havana) {
                out.append(("openstack/\(v)/vendor_data.json", MetadataSource.vendorDataJSON.encoded()))
            }
            if since(MetadataVersions.liberty) { out.append(("openstack/\(v)/network_data.json", s.networkDataJSON().encoded())) }
            if since(MetadataVersions.newtonTwo) {
                out.append(("openstack/\(v)/vendor_data2.json", MetadataSource.vendorData2JSON.encoded()))
            }
        }
        return out
    }

    public struct BuildError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Writes the files into a scratch directory and runs `mkisofs` (genisoimage's arguments, as Nova's
    /// `_make_iso9660`) to make `path`. The tool runs on a thread of its own, off the cooperative pool.
    public static func makeISO(_ s: MetadataSource, at path: String, mkisofs: String = "genisoimage") async throws {
        let fm = FileManager.default
        let scratch = NSTemporaryDirectory() + "nimbus-configdrive-\(UUID().uuidString)"
        defer { try? fm.removeItem(atPath: scratch) }
        for f in files(s) {
            let full = scratch + "/" + f.path
            try fm.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try f.data.write(to: URL(fileURLWithPath: full))
        }
        try fm.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        let args = ["-o", path, "-ldots", "-allow-lowercase", "-allow-multidot", "-l", "-publisher", "OpenStack Nova (Nimbus)",
                    "-quiet", "-J", "-r", "-V", "config-2", scratch]
        let (status, errors) = try await run(mkisofs, args)
        guard status == 0 else {
            throw BuildError(description: "\(mkisofs) failed (exit \(status)): \(errors.prefix(2000))")
        }
    }

    /// Runs a tool found on PATH; its stderr is kept (bounded) for the error.
    static func run(_ tool: String, _ args: [String]) async throws -> (Int32, String) {
        try await withCheckedThrowingContinuation { c in
            Thread.detachNewThread {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
                p.arguments = [tool] + args
                let err = Pipe()
                p.standardError = err
                p.standardOutput = FileHandle.nullDevice
                do {
                    try p.run()
                    let data = err.fileHandleForReading.readDataToEndOfFile()
                    p.waitUntilExit()
                    c.resume(returning: (p.terminationStatus, String(decoding: data.prefix(65536), as: UTF8.self)))
                } catch {
                    c.resume(throwing: error)
                }
            }
        }
    }
}
