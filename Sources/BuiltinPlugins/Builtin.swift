import FakeVirtDriver
import InProcessTransport
import NimbusKernel
import StandardFilters
import StandardWeighers
import ZeroMQTransport

extension PluginRegistry {
    /// Every in-tree plugin, in one explicit list (no registration by side effect).
    public static func builtin() -> PluginRegistry {
        var r = PluginRegistry()
        r = r.registering(filter: ComputeFilter.self)
        r = r.registering(weigher: RAMWeigher.self)
            .registering(weigher: CPUWeigher.self)
            .registering(weigher: DiskWeigher.self)
        r = r.registering(virtDriver: FakeDriver.self)
        r = r.registering(transport: InProcessTransport.self)
        r = r.registering(transport: ZeroMQTransport.self)
        return r
    }
}
