import NimbusKernel

/// The host's PCI device pools satisfy the request's PCI requests (flavor `pci_passthrough:alias`
/// resolved against `[pci] alias`) (pci_passthrough_filter.py).
public struct PciPassthroughFilter: HostFilter {
    public static let name = "PciPassthroughFilter"
    public init(context: PluginContext) throws {}

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let requests = spec.pciRequests, !requests.isEmpty else { return .pass }
        guard let pools = host.pciPools, PCIRequest.consume(requests, from: pools) != nil else {
            return .reject("PCI devices unavailable")
        }
        return .pass
    }
}
