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
        var totals = [Double](repeating: 0, count: hosts.count)
        // Fewer than two hosts: nothing to compare, all weights stay 0.
        if hosts.count >= 2 {
            for w in weighers {
                var raw = hosts.map { w.weigh($0, spec) }
                if let lo = w.minval { raw = raw.map { max($0, lo) } }
                if let hi = w.maxval { raw = raw.map { min($0, hi) } }
                let lo = w.minval ?? raw.min()!
                let hi = w.maxval ?? raw.max()!
                guard hi != lo else { continue }
                for i in hosts.indices {
                    totals[i] += Self.multiplier(w, hosts[i]) * (raw[i] - lo) / (hi - lo)
                }
            }
        }
        // Sort indices, not Weighed values: HostState is large and moving it showed in the profile.
        // Stable by descending weight: ties keep input (host name) order.
        let order = hosts.indices.sorted { a, b in totals[a] != totals[b] ? totals[a] > totals[b] : a < b }
        return order.map { Weighed(host: hosts[$0], weight: totals[$0]) }
    }

    /// The weigher's multiplier for this host (config, or the minimum per-aggregate override).
    static func multiplier(_ w: any HostWeigher, _ host: HostState) -> Double { w.weightMultiplier(host) }
}
