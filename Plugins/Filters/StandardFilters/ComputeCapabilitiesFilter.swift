import NimbusKernel

/// Every flavor extra spec `capabilities:<path>` (or an unscoped key naming a HostState attribute) must match
/// the host's value with the extra-spec operators; `hw:maxphysaddr_bits` N requires
/// `cpu_info:maxphysaddr:bits >= N` (nova/scheduler/filters/compute_capabilities_filter.py).
public struct ComputeCapabilitiesFilter: HostFilter {
    public static let name = "ComputeCapabilitiesFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    /// A flavor with no key this filter reads passes every host.
    public func applies(to spec: RequestSpec) -> Bool {
        spec.flavor.extraSpecs.keys.contains {
            $0 == "hw:maxphysaddr_bits" || !$0.contains(":") || $0.hasPrefix("capabilities:")
        }
    }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard applies(to: spec) else { return .pass }
        for (key, req) in spec.flavor.extraSpecs.sorted(by: { $0.key < $1.key }) {
            var scope = key.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            var requirement = req
            if key == "hw:maxphysaddr_bits" {
                scope = ["cpu_info", "maxphysaddr", "bits"]
                requirement = ">= \(req)"
            } else if scope.count == 1 {
                // Unscoped keys count only when they name a host attribute (backward compatibility).
                if HostAttributes.value(host, key) == nil && host.metrics[key] == nil { continue }
            } else if scope[0] == "capabilities" {
                scope.removeFirst()
            } else {
                continue
            }
            guard let cap = HostAttributes.lookup(host, scope) else {
                return .reject("capability not reported")
            }
            if !ExtraSpecOps.match(HostAttributes.string(cap), requirement) {
                return .reject("capability does not satisfy the flavor's requirement")
            }
        }
        return .pass
    }
}
