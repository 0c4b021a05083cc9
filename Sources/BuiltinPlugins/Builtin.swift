import FakeNetworkBackend
import FakeVirtDriver
import InProcessTransport
import LibvirtVirtDriver
import LinuxBridgeNetworkBackend
import NimbusKernel
import StandardFilters
import StandardWeighers
import ZeroMQTransport

extension PluginRegistry {
    /// Every in-tree plugin, in one explicit list (no registration by side effect).
    public static func builtin() -> PluginRegistry {
        var r = PluginRegistry()
        // Nova 34's 22 filters (nova.scheduler.filters.all_filters).
        r = r.registering(filter: AllHostsFilter.self)
        r = r.registering(filter: ComputeFilter.self)
        r = r.registering(filter: ComputeCapabilitiesFilter.self)
        r = r.registering(filter: ImagePropertiesFilter.self)
        r = r.registering(filter: ServerGroupAntiAffinityFilter.self)
        r = r.registering(filter: ServerGroupAffinityFilter.self)
        r = r.registering(filter: DifferentHostFilter.self)
        r = r.registering(filter: SameHostFilter.self)
        r = r.registering(filter: SimpleCIDRAffinityFilter.self)
        r = r.registering(filter: AggregateImagePropertiesIsolation.self)
        r = r.registering(filter: AggregateInstanceExtraSpecsFilter.self)
        r = r.registering(filter: AggregateMultiTenancyIsolation.self)
        r = r.registering(filter: AggregateTypeAffinityFilter.self)
        r = r.registering(filter: IoOpsFilter.self)
        r = r.registering(filter: AggregateIoOpsFilter.self)
        r = r.registering(filter: NumInstancesFilter.self)
        r = r.registering(filter: AggregateNumInstancesFilter.self)
        r = r.registering(filter: IsolatedHostsFilter.self)
        r = r.registering(filter: JsonFilter.self)
        r = r.registering(filter: MetricsFilter.self)
        r = r.registering(filter: NUMATopologyFilter.self)
        r = r.registering(filter: PciPassthroughFilter.self)
        // Nova 34's 13 weighers, in all_weighers order (the default weight_classes).
        r = r.registering(weigher: RAMWeigher.self)
        r = r.registering(weigher: CPUWeigher.self)
        r = r.registering(weigher: DiskWeigher.self)
        r = r.registering(weigher: IoOpsWeigher.self)
        r = r.registering(weigher: NumInstancesWeigher.self)
        r = r.registering(weigher: HypervisorVersionWeigher.self)
        r = r.registering(weigher: MetricsWeigher.self)
        r = r.registering(weigher: PCIWeigher.self)
        r = r.registering(weigher: ServerGroupSoftAffinityWeigher.self)
        r = r.registering(weigher: ServerGroupSoftAntiAffinityWeigher.self)
        r = r.registering(weigher: BuildFailureWeigher.self)
        r = r.registering(weigher: CrossCellWeigher.self)
        r = r.registering(weigher: ImagePropertiesWeigher.self)
        r = r.registering(virtDriver: FakeDriver.self)
        r = r.registering(virtDriver: LibvirtDriver.self)
        r = r.registering(networkBackend: FakeNetworkBackend.self)
        r = r.registering(networkBackend: LinuxBridgeBackend.self)
        r = r.registering(transport: InProcessTransport.self)
        r = r.registering(transport: ZeroMQTransport.self)
        return r
    }
}
