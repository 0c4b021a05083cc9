import NimbusKernel

/// Nova's weighing (nova/weights.py): per weigher, clamp, normalise to 0…1 (using minval/maxval when set),
/// multiply (config, or the minimum of per-aggregate overrides), sum, sort descending (stable).
public struct WeighPipeline: Sendable {
    public let weighers: [any HostWeigher]

    public init(weighers: [any HostWeigher]) { self.weighers = weighers }

    public struct Weighed: Sendable {
        public var host: HostState
        public var weight: Double
    }

    public func weigh(_ hosts: [HostState], spec: RequestSpec) -> [Weighed] {
        let totals = weights(hosts, spec: spec)
        return Self.ranking(totals).map { Weighed(host: hosts[$0], weight: totals[$0]) }
    }

    /// The total weight of each host, in input order.
    public func weights(_ hosts: [HostState], spec: RequestSpec) -> [Double] {
        var totals = [Double](repeating: 0, count: hosts.count)
        // Fewer than two hosts: nothing to compare, all weights stay 0.
        guard hosts.count >= 2 else { return totals }
        var raw = [Double](repeating: 0, count: hosts.count)
        // Each weigher sees the hosts through a buffer in one call (`weighAll`): calling `weigh` through the
        // existential per host copied every HostState (retaining each field), which dominated the profile.
        hosts.withUnsafeBufferPointer { hosts in
            for w in weighers {
                w.weighAll(hosts, spec, into: &raw)
                let minval = w.minval, maxval = w.maxval
                var lo = Double.infinity, hi = -Double.infinity
                for i in raw.indices {
                    if let minval { raw[i] = max(raw[i], minval) }
                    if let maxval { raw[i] = min(raw[i], maxval) }
                    lo = min(lo, raw[i])
                    hi = max(hi, raw[i])
                }
                if let minval { lo = minval }
                if let maxval { hi = maxval }
                guard hi != lo else { continue }
                let range = hi - lo
                // Hosts outside aggregates share one multiplier: ask once, not per host.
                var shared: Double?
                for i in hosts.indices {
                    let m: Double
                    if hosts[i].aggregates.isEmpty {
                        if shared == nil { shared = w.weightMultiplier(hosts[i]) }
                        m = shared!
                    } else {
                        m = w.weightMultiplier(hosts[i])
                    }
                    totals[i] += m * (raw[i] - lo) / range
                }
            }
        }
        return totals
    }

    /// Indices by descending weight; stable, so ties keep input (host name) order. Indices rather than
    /// values: HostState is large and moving it showed in the profile.
    public static func ranking(_ totals: [Double]) -> [Int] {
        totals.indices.sorted { a, b in totals[a] != totals[b] ? totals[a] > totals[b] : a < b }
    }

    /// The first `k` of `ranking(totals)`, without sorting every host: one pass keeping a small sorted buffer.
    public static func top(_ totals: [Double], _ k: Int) -> [Int] {
        guard k > 0 else { return [] }
        if k >= totals.count / 4 { return Array(ranking(totals).prefix(k)) }
        var best: [Int] = []
        best.reserveCapacity(k + 1)
        totals.withUnsafeBufferPointer { t in
            for i in t.indices {
                let w = t[i]
                // Equal weights keep input order: a later host never displaces an earlier one it ties with.
                if best.count == k && !(w > t[best[k - 1]]) { continue }
                var pos = best.count
                while pos > 0 && t[best[pos - 1]] < w { pos -= 1 }
                best.insert(i, at: pos)
                if best.count > k { best.removeLast() }
            }
        }
        return best
    }

    /// The weigher's multiplier for this host (config, or the minimum per-aggregate override).
    static func multiplier(_ w: any HostWeigher, _ host: HostState) -> Double { w.weightMultiplier(host) }
}
