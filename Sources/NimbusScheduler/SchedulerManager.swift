import Foundation
import Logging
import Metrics
import NimbusKernel
import NimbusRPC
import NimbusStore
import SchedulerRPC

/// The scheduler: pre-filter, filters, weighers, claims in weighted order, alternates.
public struct SchedulerManager: Sendable {
    public let hostManager: HostManager
    public let filters: FilterPipeline
    public let weighers: WeighPipeline
    public let maxAttempts: Int
    public let hostSubsetSize: Int
    public let shuffleBestSameWeighed: Bool
    let random: SchedulerRandom
    let logger: Logger

    public let pciAliases: [String: [[String: String]]]

    public init(store: NimbusStore, registry: PluginRegistry, config: NimbusConfig, logger: Logger,
                random: SchedulerRandom = SchedulerRandom()) throws {
        let context = PluginContext(config: config, logger: logger)
        let filterNames = CoreOptions.enabledFilters.read(config)
        self.filters = FilterPipeline(filters: try registry.makeFilters(named: filterNames, context: context))
        self.weighers = WeighPipeline(weighers: try registry.makeWeighers(
            named: CoreOptions.weightClasses.read(config), context: context))
        var hostManager = HostManager(store: store, serviceDownTime: try ServiceTiming(config: config).serviceDownTime)
        hostManager.loadsInstanceImageProperties = weighers.weighers.contains {
            type(of: $0).name == "ImagePropertiesWeigher" && $0.multiplier != 0
        }
        self.hostManager = hostManager
        self.maxAttempts = max(1, try CoreOptions.maxAttempts.read(config))
        self.hostSubsetSize = max(1, try SchedulerOptions.hostSubsetSize.read(config))
        self.shuffleBestSameWeighed = try SchedulerOptions.shuffleBestSameWeighedHosts.read(config)
        self.pciAliases = try PCIAliases.parse(config)
        self.random = random
        self.logger = logger
    }

    /// The RPC endpoint served on topic `scheduler`.
    public func endpoint() -> RPCEndpoint {
        var e = RPCEndpoint(SchedulerAPI.self)
        e.on(SchedulerAPI.selectDestinations) { req in
            try await self.selectDestinations(req.spec, instanceUUIDs: req.instanceUUIDs)
        }
        return e
    }

    /// Per instance: `[chosen] + up to max_attempts − 1 alternates`. The chosen host is claimed; alternates are not.
    /// Every instance is placed in memory first (later instances see the earlier ones' usage, as Nova's
    /// `_consume_selected_host`), then all claims go to the store in one write transaction, each checked against
    /// the node's generation and capacity: all are written or none. A conflict means another scheduler (or a
    /// compute) changed a node since our refresh: refresh and plan again, then fall back to claiming instance by
    /// instance. A request that finds no host claims nothing.
    public func selectDestinations(_ spec: RequestSpec, instanceUUIDs: [UUID]) async throws -> [[Selection]] {
        let started = ContinuousClock.now
        defer {
            Timer(label: "nimbus_scheduler_select_destinations_seconds").record(duration: ContinuousClock.now - started)
        }
        let store = hostManager.store
        for _ in 0..<2 {
            let plan = try await self.plan(spec, instanceUUIDs: instanceUUIDs)
            let outcome = try await store.claimBatch(plan.claims, resources: spec.flavor.resources,
                                                     projectID: spec.projectID, userID: spec.userID)
            if outcome == .claimed { return plan.selections }
            Counter(label: "nimbus_scheduler_claim_conflicts_total").increment()
        }
        return try await selectSequentially(spec, instanceUUIDs: instanceUUIDs)
    }

    struct Plan {
        var selections: [[Selection]] = []
        var claims: [(consumer: UUID, node: UUID, expectedGeneration: Int?)] = []
    }

    /// Chooses a host (and alternates) for every instance without claiming.
    func plan(_ spec: RequestSpec, instanceUUIDs: [UUID]) async throws -> Plan {
        var (spec, hosts, before) = try await prepare(spec)
        let resources = spec.flavor.resources
        var plan = Plan()
        plan.selections.reserveCapacity(instanceUUIDs.count)
        // Raw weigher values, kept across the instances: placing one changes only the chosen host's state (and
        // the group's members on its host), so only those hosts are weighed again.
        var raw: [[Double]] = []
        var stale: [Int]?
        for (index, consumer) in instanceUUIDs.enumerated() {
            let steps: [FilterReport.Step]
            let count = hosts.count
            (hosts, steps) = try filter(hosts, spec, index: index)
            if let stale, hosts.count == count {  // the filters kept every host: same positions
                weighers.update(&raw, hosts, spec: spec, at: stale)
            } else {
                raw = weighers.raw(hosts, spec: spec)
            }
            let totals = weighers.totals(raw, hosts)
            // Only the top of the ranking is needed (chosen, alternates); shuffling ties needs all of them.
            var ranked = order(shuffleBestSameWeighed ? WeighPipeline.ranking(totals)
                                   : WeighPipeline.top(totals, maxAttempts + hostSubsetSize + 8), totals)
            // Each host's free capacity is the claim's arithmetic, less what earlier instances of this request took.
            var chosen = ranked.first { hosts[$0].free.fits(resources) }
            if chosen == nil && ranked.count < hosts.count {
                ranked = order(WeighPipeline.ranking(totals), totals)
                chosen = ranked.first { hosts[$0].free.fits(resources) }
            }
            guard let chosen else {
                throw Self.noValidHost(before + steps, hostsLeft: hosts.count, index: index, of: instanceUUIDs.count,
                                       claimFailure: "capacity taken by earlier instances of this request")
            }
            plan.claims.append((consumer, hosts[chosen].uuid, hosts[chosen].generation))
            // Only later instances of this request read the consumed state (the alternates are other hosts).
            if index < instanceUUIDs.count - 1 {
                hosts[chosen].consume(spec)
                hosts[chosen].generation += 1
                hosts[chosen].instanceUUIDs.insert(consumer)
                let host = hosts[chosen].host
                stale = hosts.indices.filter { hosts[$0].host == host }
            }
            spec.instanceGroup?.add(consumer, on: hosts[chosen].host)
            var selections = [Self.selection(hosts[chosen], resources)]
            var alternates = ranked.filter { $0 != chosen && hosts[$0].free.fits(resources) }
            if alternates.count < maxAttempts - 1 && ranked.count < hosts.count {
                // The top of the ranking ran out of hosts that fit: rank them all.
                ranked = WeighPipeline.ranking(totals)
                alternates = ranked.filter { $0 != chosen && hosts[$0].free.fits(resources) }
            }
            for i in alternates.prefix(maxAttempts - 1) { selections.append(Self.selection(hosts[i], resources)) }
            plan.selections.append(selections)
        }
        return plan
    }

    /// The fallback after repeated claim conflicts: instance by instance, each claimed in its own transaction,
    /// trying the next ranked host when a claim finds the node full; every claim is released if one instance
    /// finds no host.
    func selectSequentially(_ spec: RequestSpec, instanceUUIDs: [UUID]) async throws -> [[Selection]] {
        var (spec, hosts, before) = try await prepare(spec)
        let resources = spec.flavor.resources
        var result: [[Selection]] = []
        var claimed: [UUID] = []
        do {
            for (index, consumer) in instanceUUIDs.enumerated() {
                // As Nova's _schedule: the next instance starts from the hosts that passed, so filters that run
                // once per request (ComputeFilter) keep excluding what they excluded for the first instance.
                let steps: [FilterReport.Step]
                (hosts, steps) = try filter(hosts, spec, index: index)
                let totals = weighers.weights(hosts, spec: spec)
                let ranked = order(WeighPipeline.ranking(totals), totals)
                var chosenIndex: Int?
                for i in ranked where try await claim(consumer, on: hosts[i], resources, spec) {
                    chosenIndex = i
                    break
                }
                let chosen = chosenIndex.map { hosts[$0] }
                guard let chosen else {
                    throw Self.noValidHost(before + steps, hostsLeft: hosts.count, index: index, of: instanceUUIDs.count,
                                           claimFailure: "capacity taken by a concurrent request")
                }
                claimed.append(consumer)
                // Nova's _consume_selected_host: later instances of this request see the usage and the group member.
                if let i = chosenIndex {
                    hosts[i].consume(spec)
                    hosts[i].generation += 1
                    hosts[i].instanceUUIDs.insert(consumer)
                }
                spec.instanceGroup?.add(consumer, on: chosen.host)
                var selections = [Self.selection(chosen, resources)]
                for i in ranked where selections.count < maxAttempts && i != chosenIndex && hosts[i].free.fits(resources) {
                    selections.append(Self.selection(hosts[i], resources))
                }
                result.append(selections)
            }
        } catch {
            for consumer in claimed { _ = try? await hostManager.store.releaseAllocations(consumer: consumer) }
            throw error
        }
        return result
    }

    /// The same pass as `selectDestinations` for the first instance, claiming nothing: the per-step report and
    /// the weighed ranking of the hosts that pass (`nimbus manage scheduler explain`).
    public func explain(_ spec: RequestSpec) async throws -> (report: FilterReport, ranking: [WeighPipeline.Weighed]) {
        let (spec, hosts, before) = try await prepare(spec)
        let (_, steps, weighed) = try rank(hosts, spec, index: 0)
        return (FilterReport(steps: before + steps), weighed)
    }

    /// Resolves references in the spec, pre-filters capacity on the host manager's states and applies the request
    /// filters.
    func prepare(_ spec: RequestSpec) async throws -> (RequestSpec, [HostState], [FilterReport.Step]) {
        let spec = try await hostManager.resolve(spec, pciAliases: pciAliases)
        var (hosts, prefilter) = try await hostManager.candidates(for: spec)
        var steps = [prefilter]
        for requestFilter in [RequestFilters.availabilityZone, RequestFilters.forced] {
            let (kept, step) = requestFilter(hosts, spec)
            hosts = kept
            if let step { steps.append(step) }
        }
        return (spec, hosts, steps)
    }

    /// Filters then weighs; forced hosts (`force_hosts`) skip the filters, as in Nova.
    func rank(_ hosts: [HostState], _ spec: RequestSpec, index: Int)
        throws -> ([HostState], [FilterReport.Step], [WeighPipeline.Weighed])
    {
        let (passed, steps) = try filter(hosts, spec, index: index)
        return (passed, steps, weighers.weigh(passed, spec: spec))
    }

    func filter(_ hosts: [HostState], _ spec: RequestSpec, index: Int) throws -> ([HostState], [FilterReport.Step]) {
        spec.forceHosts?.isEmpty == false ? (hosts, []) : try filters.run(hosts, spec: spec, index: index)
    }

    /// Claims with the generation we saw; if another scheduler moved the provider on, retry with a fresh check
    /// (Placement clients retry generation conflicts the same way).
    private func claim(_ consumer: UUID, on host: HostState, _ r: Resources, _ spec: RequestSpec) async throws -> Bool {
        let store = hostManager.store
        do {
            return try await store.claim(consumer: consumer, node: host.uuid, resources: r,
                                         expectedGeneration: host.generation, projectID: spec.projectID,
                                         userID: spec.userID)
        } catch StoreError.generationConflict {
            return try await store.claim(consumer: consumer, node: host.uuid, resources: r, projectID: spec.projectID,
                                         userID: spec.userID)
        }
    }

    /// `shuffle_best_same_weighed_hosts` and `host_subset_size` (nova/scheduler/filter_scheduler.py
    /// `_get_sorted_hosts`), on host indices ranked by weight.
    func order(_ ranked: [Int], _ totals: [Double]) -> [Int] {
        guard !ranked.isEmpty else { return ranked }
        var hosts = ranked
        if shuffleBestSameWeighed {
            let best = hosts.prefix { totals[$0] == totals[hosts[0]] }.count
            random.shuffle(&hosts[0..<best])
        }
        if hostSubsetSize > 1 {
            let pick = random.index(below: min(hostSubsetSize, hosts.count))
            hosts.insert(hosts.remove(at: pick), at: 0)
        }
        return hosts
    }

    /// NoValidHost for instance `index` of `count`: the filter steps, plus a Claim step when hosts passed the
    /// filters but none could be claimed.
    static func noValidHost(_ steps: [FilterReport.Step], hostsLeft: Int, index: Int, of count: Int,
                            claimFailure: String) -> NoValidHost {
        var report = FilterReport(steps: steps)
        if hostsLeft > 0 {
            report.steps.append(FilterReport.Step(name: "Claim", hostsIn: hostsLeft, hostsOut: 0,
                                                  reasons: [claimFailure: hostsLeft]))
        }
        let reason = count > 1 ? "There are not enough hosts available for instance \(index + 1) of \(count)."
            : "There are not enough hosts available."
        Counter(label: "nimbus_scheduler_no_valid_host_total").increment()
        return NoValidHost(reason: reason, report: report)
    }

    static func selection(_ h: HostState, _ r: Resources) -> Selection {
        Selection(host: h.host, nodename: h.nodename, nodeUUID: h.uuid, resources: r)
    }
}
