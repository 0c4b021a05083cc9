import Foundation
import NimbusKernel
import NimbusStore
import Synchronization

/// Keeps the `HostState`s of every compute node in memory across requests (nova/scheduler/host_manager.py
/// keeps them too) and refreshes, per request, only what changed in the store since the last request:
/// the change markers of migration 005 say which node and service rows changed, and whether aggregates
/// changed or nodes/services were added or removed (then everything is re-read). The capacity pre-filter
/// then runs on the in-memory free capacity; service up/down is computed at request time from the
/// heartbeat timestamps. Claims stay in the store (`SchedulerManager`), checked in the write transaction.
public struct HostManager: Sendable {
    public let store: NimbusStore
    public let serviceDownTime: Double
    /// Only ImagePropertiesWeigher reads other instances' image properties; skip the query otherwise.
    public var loadsInstanceImageProperties = false
    /// Fill `instanceUUIDs` for every request, not only those with same_host / different_host hints
    /// (for out-of-tree filters that read it).
    public var loadsInstanceUUIDs = false

    public init(store: NimbusStore, serviceDownTime: Double) {
        self.store = store
        self.serviceDownTime = serviceDownTime
    }

    /// Shared by the requests of this scheduler worker (and by copies of this value).
    let cache = HostStateCache()

    /// The capacity pre-filter step (Placement's allocation candidates) with its report step.
    public func candidates(for spec: RequestSpec) async throws -> ([HostState], FilterReport.Step) {
        let need = spec.flavor.resources
        let wantsUUIDs = !(spec.schedulerHints["same_host"] ?? []).isEmpty
            || !(spec.schedulerHints["different_host"] ?? []).isEmpty || loadsInstanceUUIDs
        let (all, free) = try await cache.current(store: store, wantsUUIDs: wantsUUIDs,
                                                  serviceDownTime: serviceDownTime)
        let images = loadsInstanceImageProperties ? try await store.instanceImagePropertiesByNode() : [:]
        var fitting: [Int] = []
        fitting.reserveCapacity(all.count)
        let v = Double(need.vcpus), m = Double(need.memoryMB), d = Double(need.diskGB)
        var shortV = 0, shortM = 0, shortD = 0
        for i in free.indices {
            let f = free[i]
            let okV = f.vcpus >= v, okM = f.memoryMB >= m, okD = f.diskGB >= d
            if !okV { shortV += 1 }
            if !okM { shortM += 1 }
            if !okD { shortD += 1 }
            if okV && okM && okD { fitting.append(i) }
        }
        var states = fitting.count == all.count ? all : fitting.map { all[$0] }
        if loadsInstanceImageProperties {
            for i in states.indices { states[i].instanceImageProperties = images[states[i].nodename] ?? [] }
        }
        var reasons: [String: Int] = [:]
        if shortV > 0 { reasons["insufficient VCPU"] = shortV }
        if shortM > 0 { reasons["insufficient MEMORY_MB"] = shortM }
        if shortD > 0 { reasons["insufficient DISK_GB"] = shortD }
        let step = FilterReport.Step(name: "Placement (capacity pre-filter)", hostsIn: all.count,
                                     hostsOut: states.count, reasons: reasons)
        return (states, step)
    }

    /// Fills what the request carries only by reference: the server group named by the `group` hint
    /// (members and their hosts) and the PCI requests of the flavor's `pci_passthrough:alias`.
    public func resolve(_ spec: RequestSpec, pciAliases: [String: [[String: String]]]) async throws -> RequestSpec {
        var spec = spec
        if spec.instanceGroup == nil, let g = spec.schedulerHints["group"]?.first, let uuid = UUID(uuidString: g) {
            spec.instanceGroup = try await store.instanceGroupInfo(uuid: uuid)
        }
        if spec.pciRequests == nil {
            spec.pciRequests = PCIRequest.parse(spec.flavor.extraSpecs["pci_passthrough:alias"], aliases: pciAliases)
        }
        return spec
    }
}

/// The host states of one scheduler worker, in hypervisor-hostname order, with columns the pre-filter and the
/// up/down check read without touching the (large) states.
final class HostStateCache: Sendable {
    struct Table: Sendable {
        var marker: SchedulerChangeMarker?
        /// Whether `instanceUUIDs` are filled (read once some request needed them, then kept current).
        var hasUUIDs = false
        var hosts: [HostState] = []
        var free: [FreeCapacity] = []
        /// Service heartbeat (`last_seen_up ?? created_at`, reference-date seconds; NaN: no service) and
        /// forced-down flag, for the request-time up/down check.
        var seen: [Double] = []
        var forcedDown: [Bool] = []
        var index: [String: Int] = [:]
        var positionsByHost: [String: [Int]] = [:]
        /// Decoded static part (inventory, JSON columns) per node, valid while `updated_at` is unchanged.
        var statics: [String: ComputeNodeRecord] = [:]
        var stamps: [String: Double] = [:]
        var services: [String: ServiceRecord] = [:]
        var aggregatesByHost: [String: [AggregateInfo]] = [:]
    }

    private let table = Mutex(Table())
    private let wantsUUIDs = Atomic<Bool>(false)

    /// The host states as of now: refreshed from the store's changes, with `serviceUp` computed for `now`.
    func current(store: NimbusStore, wantsUUIDs wants: Bool, serviceDownTime: Double, now: Date = Date())
        async throws -> ([HostState], [FreeCapacity])
    {
        if wants { wantsUUIDs.store(true, ordering: .relaxed) }
        let uuids = wantsUUIDs.load(ordering: .relaxed)
        let (since, known) = table.withLock { t in (t.hasUUIDs == uuids ? t.marker : nil, t.stamps) }
        let changes = try await store.schedulerChanges(since: since, known: known, includeInstanceUUIDs: uuids)
        let clock = now.timeIntervalSinceReferenceDate
        return table.withLock { t in
            if let changes { Self.apply(changes, to: &t) }
            for i in t.hosts.indices {
                let up = !t.forcedDown[i] && abs(clock - t.seen[i]) <= serviceDownTime
                if t.hosts[i].serviceUp != up { t.hosts[i].serviceUp = up }
            }
            return (t.hosts, t.free)
        }
    }

    static func apply(_ c: SchedulerChanges, to t: inout Table) {
        if let m = t.marker {
            if m.seq > c.marker.seq { return }  // a concurrent refresh got further
            // Same point in the feed: only a full read that brings instance UUIDs the table lacks adds anything.
            if m.seq == c.marker.seq && !(c.full && c.instanceUUIDsByNode != nil && !t.hasUUIDs) { return }
        }
        if c.full { return replace(c, &t) }
        guard let m = t.marker, m.epoch == c.marker.epoch else { return }
        if c.instanceUUIDsByNode == nil { t.hasUUIDs = false }
        for s in c.services {
            t.services[s.host] = s
            for i in t.positionsByHost[s.host] ?? [] {
                t.hosts[i].service = s
                (t.seen[i], t.forcedDown[i]) = heartbeat(s)
            }
        }
        if let aggregates = c.aggregatesByHost {
            t.aggregatesByHost = aggregates
            for i in t.hosts.indices {
                let a = aggregates[t.hosts[i].host] ?? []
                if a != t.hosts[i].aggregates { t.hosts[i].aggregates = a }
            }
        }
        var moved = false
        for u in c.nodes {
            if let r = c.records[u.uuid] {
                t.statics[u.uuid] = r
                t.stamps[u.uuid] = u.updatedAt
            }
            guard let i = t.index[u.uuid], let record = t.statics[u.uuid] else {
                // Not known here (cannot happen without an epoch change): read everything next time.
                t.marker = nil
                return
            }
            let node = record.resources.hypervisorHostname
            let uuids = c.instanceUUIDsByNode.map { $0[node] ?? [] } ?? []
            if t.hosts[i].host != u.host { moved = true }
            t.hosts[i] = state(u, record, service: t.services[u.host], counts: c.instanceCounts[node],
                               aggregates: t.aggregatesByHost[u.host] ?? [], uuids: uuids)
            t.free[i] = u.free
            (t.seen[i], t.forcedDown[i]) = heartbeat(t.services[u.host])
        }
        if moved { t.positionsByHost = Dictionary(grouping: t.hosts.indices) { t.hosts[$0].host } }
        t.marker = c.marker
    }

    private static func replace(_ c: SchedulerChanges, _ t: inout Table) {
        var n = Table()
        n.marker = c.marker
        n.hasUUIDs = c.instanceUUIDsByNode != nil
        n.services = Dictionary(c.services.map { ($0.host, $0) }, uniquingKeysWith: { a, _ in a })
        n.aggregatesByHost = c.aggregatesByHost ?? [:]
        n.hosts.reserveCapacity(c.nodes.count)
        for u in c.nodes {
            guard let record = c.records[u.uuid] ?? t.statics[u.uuid] else {
                // Its static part was neither read nor held (a concurrent refresh replaced the table): leave it
                // out of this request and read everything next time.
                n.marker = nil
                continue
            }
            let node = record.resources.hypervisorHostname
            n.statics[u.uuid] = record
            n.stamps[u.uuid] = c.records[u.uuid] != nil ? u.updatedAt : t.stamps[u.uuid]
            n.index[u.uuid] = n.hosts.count
            n.positionsByHost[u.host, default: []].append(n.hosts.count)
            let service = n.services[u.host]
            n.hosts.append(state(u, record, service: service, counts: c.instanceCounts[node],
                                 aggregates: n.aggregatesByHost[u.host] ?? [],
                                 uuids: c.instanceUUIDsByNode?[node] ?? []))
            n.free.append(u.free)
            let (seen, forced) = heartbeat(service)
            n.seen.append(seen)
            n.forcedDown.append(forced)
        }
        t = n
    }

    /// `ServiceRecord.isUp`'s inputs.
    private static func heartbeat(_ s: ServiceRecord?) -> (Double, Bool) {
        guard let s else { return (.nan, true) }
        return ((s.lastSeenUp ?? s.createdAt).timeIntervalSinceReferenceDate, s.forcedDown)
    }

    private static func state(_ u: NodeUsageRow, _ n: ComputeNodeRecord, service: ServiceRecord?,
                              counts: (instances: Int, ioOps: Int)?, aggregates: [AggregateInfo],
                              uuids: Set<UUID>) -> HostState {
        var h = HostState(
            host: u.host, nodename: n.resources.hypervisorHostname, uuid: n.uuid,
            freeRAMMB: n.resources.memoryMB - n.reserved.memoryMB - u.used.memoryMB,
            freeDiskMB: (n.resources.localGB - n.reserved.diskGB - u.used.diskGB) * 1024,
            totalUsableRAMMB: n.resources.memoryMB, totalUsableDiskGB: n.resources.localGB,
            vcpusTotal: n.resources.vcpus, vcpusUsed: u.used.vcpus, numInstances: counts?.instances ?? 0,
            numIOOps: counts?.ioOps ?? 0, failedBuilds: u.failedBuilds, cpuAllocationRatio: n.cpuAllocationRatio,
            ramAllocationRatio: n.ramAllocationRatio, diskAllocationRatio: n.diskAllocationRatio,
            hostIP: n.resources.hostIP, hypervisorType: n.resources.hypervisorType,
            hypervisorVersion: n.resources.hypervisorVersion, supportedInstances: n.resources.supportedInstances,
            service: service, serviceUp: false, aggregates: aggregates, instanceUUIDs: uuids,
            metrics: n.resources.metrics ?? [:], generation: u.generation,
            free: u.free)
        h.cpuInfo = n.resources.cpuInfo
        h.numaTopology = n.resources.numaTopology
        h.pciPools = n.resources.pciPools
        return h
    }
}
