import Foundation
import NimbusKernel

/// The image's `hw_architecture` / `img_hv_type` / `hw_vm_mode` must appear together in one of the host's
/// `supported_instances`, `img_hv_requested_version` must accept the hypervisor version and
/// `hw_maxphysaddr_bits` fit the host (nova/scheduler/filters/image_props_filter.py).
public struct ImagePropertiesFilter: HostFilter {
    public static let name = "ImagePropertiesFilter"
    public static let configOptions: [ConfigOption] = [
        defaultArchitectureOption.declaration,
    ]
    static let defaultArchitectureOption = TypedOption<String?>(
        "filter_scheduler", "image_properties_default_architecture",
        help: "Architecture assumed for images without hw_architecture.")
    let defaultArchitecture: String?

    public init(context: PluginContext) throws {
        defaultArchitecture = Self.defaultArchitectureOption.read(context.config)
    }

    public var runOncePerRequest: Bool { true }
    public var runOnRebuild: Bool { true }

    func wanted(_ props: [String: String]) -> [String] {
        [
            (props["hw_architecture"] ?? props["architecture"] ?? defaultArchitecture).map(Self.arch),
            (props["img_hv_type"] ?? props["hypervisor_type"]).map(Self.hvType),
            (props["hw_vm_mode"] ?? props["vm_mode"]).map(Self.vmMode),
        ].compactMap { $0 }
    }

    /// Nothing asked for (the common case): every host passes.
    public func applies(to spec: RequestSpec) -> Bool {
        !(spec.imageProperties.isEmpty && defaultArchitecture == nil) && !wanted(spec.imageProperties).isEmpty
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        let props = spec.imageProperties
        // Nothing asked for (the common case): pass without building the list.
        if props.isEmpty && defaultArchitecture == nil { return .pass }
        let wanted = self.wanted(props)
        if wanted.isEmpty { return .pass }
        if host.supportedInstances.isEmpty { return .reject("host advertises no supported instances") }
        for triple in host.supportedInstances where wanted.allSatisfy({ triple.contains($0) }) {
            guard Self.versionOK(host.hypervisorVersion, props["img_hv_requested_version"]) else { continue }
            guard Self.physAddrOK(host, props["hw_maxphysaddr_bits"]) else { continue }
            return .pass
        }
        return .reject("image architecture, hypervisor type or VM mode not supported")
    }

    static func arch(_ s: String) -> String {
        let a = s.lowercased()
        return ["amd64": "x86_64", "x86": "i686", "i386": "i686", "x64": "x86_64", "arm64": "aarch64"][a] ?? a
    }
    static func hvType(_ s: String) -> String { s.lowercased() == "xapi" ? "xen" : s.lowercased() }
    static func vmMode(_ s: String) -> String {
        let m = s.lowercased()
        return ["hv": "hvm", "pv": "xen", "xen": "xen", "baremetal": "hvm"][m] ?? m
    }

    /// `img_hv_requested_version` like `>=6.0, <7`; the host version int 6001002 reads 6.1.2 (versionutils).
    static func versionOK(_ hostVersion: Int, _ requirement: String?) -> Bool {
        guard let requirement, hostVersion != 0 else { return true }
        var parts: [Int] = []
        var v = hostVersion
        while v != 0 { parts.insert(v % 1000, at: 0); v /= 1000 }
        for clause in requirement.split(separator: ",") {
            let c = clause.trimmingCharacters(in: .whitespaces)
            guard let opEnd = c.firstIndex(where: { $0.isNumber }) else { return false }
            let op = c[..<opEnd].trimmingCharacters(in: .whitespaces)
            let want = c[opEnd...].split(separator: ".").compactMap { Int($0) }
            let n = max(parts.count, want.count)
            let a = parts + Array(repeating: 0, count: n - parts.count)
            let b = want + Array(repeating: 0, count: n - want.count)
            let ok: Bool = switch op {
            case ">=": !a.lexicographicallyPrecedes(b)
            case ">": b.lexicographicallyPrecedes(a)
            case "<=": !b.lexicographicallyPrecedes(a)
            case "<": a.lexicographicallyPrecedes(b)
            case "==", "=", "": a == b
            case "!=": a != b
            default: false
            }
            if !ok { return false }
        }
        return true
    }

    static func physAddrOK(_ host: HostState, _ bits: String?) -> Bool {
        guard let bits, let want = Int(bits) else { return true }
        guard let have = HostAttributes.lookup(host, ["cpu_info", "maxphysaddr", "bits"]) as? Int else { return false }
        return want <= have
    }
}
