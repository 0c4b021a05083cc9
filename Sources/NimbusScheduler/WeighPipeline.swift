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
        for w in weighers {
            let minval = w.minval, maxval = w.maxval
            var lo = Double.infinity, hi = -Double.infinity
            for i in hosts.indices {
                var v = w.weigh(hosts[i], spec)
                if let minval { v = max(v, minval) }
                if let maxval { v = min(v, maxval) }
                raw[i] = v
                lo = min(lo, v)
                hi = max(hi, v)
            }
            if let minval { lo = minval }
            if let maxval { hi = maxval }
            guard hi != lo else { continue }
            let range = hi - lo
            for i in hosts.indices {
                totals[i] += Self.multiplier(w, hosts[i]) * (raw[i] - lo) / range
            }
        }
        return totals
    }

    /// Indices by descending weight; stable, so ties keep input (host name) order. Indices rather than
    /// values: HostState is large and moving it showed in the profile.
    public static func ranking(_ totals: [Double]) -> [Int] {
        totals.indices.sorted { a, b in totals[a] != totals[b] ? totals[a] > totals[b] : a < b }
    }

    /// The weigher's multiplier for this host (config, or the minimum per-aggregate override).
    static func multiplier(_ w: any HostWeigher, _ host: HostState) -> Double { w.weightMultiplier(host) }
}
