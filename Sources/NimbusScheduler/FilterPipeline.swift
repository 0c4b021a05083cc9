import NimbusKernel

/// Runs the enabled filters in order, counting what each kept and why it removed hosts
/// (nova/filters.py `get_filtered_objects`, plus the reasons Nova only logs).
public struct FilterPipeline: Sendable {
    public let filters: [any HostFilter]

    public init(filters: [any HostFilter]) { self.filters = filters }

    /// `index` is the instance's position in a multi-create: once-per-request filters run only for the first.
    public func run(_ hosts: [HostState], spec: RequestSpec, index: Int = 0) throws -> ([HostState], [FilterReport.Step]) {
        // Survivors are tracked as indices: copying HostStates (many reference-counted fields) per step showed
        // in the profile at 1,000+ hosts.
        var current = Array(hosts.indices)
        var steps: [FilterReport.Step] = []
        for filter in filters {
            // Nova stops at the first step that leaves no host; later filters have nothing to say.
            if current.isEmpty { break }
            if index > 0 && filter.runOncePerRequest { continue }
            if spec.isRebuild && !filter.runOnRebuild { continue }
            // The filter's one per-host check, run over the candidates by the kernel's batching (see
            // `HostFilter._filterBatch`).
            var tally = FilterTally(capacity: current.count)
            guard filter.applies(to: spec) else {
                // Nothing to check for this request: every candidate passes, and the report still shows the step.
                steps.append(FilterReport.Step(name: type(of: filter).name, hostsIn: current.count,
                                               hostsOut: current.count, reasons: [:]))
                continue
            }
            try hosts.withUnsafeBufferPointer { hosts in try filter._filterBatch(hosts, current, spec, into: &tally) }
            steps.append(FilterReport.Step(name: type(of: filter).name, hostsIn: current.count,
                                           hostsOut: tally.kept.count, reasons: tally.reasons))
            current = tally.kept
        }
        return (current.count == hosts.count ? hosts : current.map { hosts[$0] }, steps)
    }
}
