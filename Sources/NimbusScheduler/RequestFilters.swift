import NimbusKernel

/// Nova's request filters and forced destinations, run on the candidates before the host filters
/// (nova/scheduler/request_filter.py, host_manager `_get_host_states` narrowing). Each is a report step.
enum RequestFilters {
    /// `map_az_to_placement_aggregate`: a requested AZ keeps hosts in aggregates whose `availability_zone`
    /// matches. When no aggregate names the AZ (e.g. the default "nova"), Nova adds no restriction.
    static func availabilityZone(_ hosts: [HostState], _ spec: RequestSpec) -> ([HostState], FilterReport.Step?) {
        guard let az = spec.availabilityZone, !az.isEmpty else { return (hosts, nil) }
        // `az:host[:node]` forced destinations are narrowed by `forced` below; only the zone part counts here.
        let zone = String(az.split(separator: ":", omittingEmptySubsequences: false).first ?? "")
        guard !zone.isEmpty else { return (hosts, nil) }
        let named = hosts.contains { $0.aggregates.contains { $0.availabilityZone == zone } }
        guard named else { return (hosts, nil) }
        let kept = hosts.filter { $0.aggregates.contains { $0.availabilityZone == zone } }
        let step = FilterReport.Step(name: "AvailabilityZone (request filter)", hostsIn: hosts.count,
                                     hostsOut: kept.count,
                                     reasons: hosts.count == kept.count ? [:] : ["not in zone \(zone)": hosts.count - kept.count])
        return (kept, step)
    }

    /// `ignore_hosts`, then a requested or forced host (admin `host` / `az:host:node`).
    static func forced(_ hosts: [HostState], _ spec: RequestSpec) -> ([HostState], FilterReport.Step?) {
        if spec.ignoreHosts.isEmpty && (spec.forceHosts ?? []).isEmpty && spec.requestedHost == nil { return (hosts, nil) }
        var kept = hosts.filter { !spec.ignoreHosts.contains($0.host) }
        var wanted = spec.forceHosts ?? []
        if let h = spec.requestedHost { wanted.append(h) }
        if !wanted.isEmpty { kept = kept.filter { wanted.contains($0.host) || wanted.contains($0.nodename) } }
        guard kept.count != hosts.count else { return (kept, nil) }
        var reasons: [String: Int] = [:]
        let ignored = hosts.filter { spec.ignoreHosts.contains($0.host) }.count
        if ignored > 0 { reasons["ignored (already tried)"] = ignored }
        if hosts.count - kept.count - ignored > 0 { reasons["not the requested host"] = hosts.count - kept.count - ignored }
        return (kept, FilterReport.Step(name: "Requested destination", hostsIn: hosts.count, hostsOut: kept.count,
                                        reasons: reasons))
    }
}
