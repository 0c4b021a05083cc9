import BuiltinPlugins
import MaintenancePlugins
import NimbusDaemons
import NimbusKernel

// The stock plugins plus ours; enable them by name in nova.conf:
//   [filter_scheduler]
//   enabled_filters = ComputeFilter,MaintenanceWindowFilter
//   weight_classes = RAMWeigher,AggregatePriorityWeigher
await Nimbus.main(registry: .builtin()
    .registering(filter: MaintenanceWindowFilter.self)
    .registering(weigher: AggregatePriorityWeigher.self))
