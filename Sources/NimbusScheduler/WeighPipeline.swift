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
        // Fewer than two hosts: nothing to compare, all weights stay 0.
        guard hosts.count >= 2 else { return [Double](repeating: 0, count: hosts.count) }
        return totals(raw(hosts, spec: spec), hosts)
    }

    /// Per weigher, the clamped raw value of every host (a column per weigher). A weigher whose multiplier is 0
    /// contributes nothing unless an aggregate overrides it, so with no host in an aggregate it is not asked; nor
    /// is one that does not apply to the request (its column stays 0: equal values normalise to nothing).
    public func raw(_ hosts: [HostState], spec: RequestSpec) -> [[Double]] {
        let aggregated = Self.anyAggregated(hosts)
        return hosts.withUnsafeBufferPointer { buffer in
            weighers.map { w in
                var column = [Double](repeating: 0, count: buffer.count)
                guard aggregated || w.multiplier != 0, w.applies(to: spec) else { return column }
                w._weighBatch(buffer, spec, into: &column)
                let minval = w.minval, maxval = w.maxval
                if minval != nil || maxval != nil {
                    for i in column.indices { column[i] = Self.clamp(column[i], minval, maxval) }
                }
                return column
            }
        }
    }

    /// Recomputes the raw values of the hosts at `indices` only: after an instance of a multi-create is placed,
    /// only the chosen host's state (and the group members on its host) changed.
    public func update(_ raw: inout [[Double]], _ hosts: [HostState], spec: RequestSpec, at indices: [Int]) {
        let aggregated = Self.anyAggregated(hosts)
        hosts.withUnsafeBufferPointer { buffer in
            for (k, w) in weighers.enumerated() where (aggregated || w.multiplier != 0) && w.applies(to: spec) {
                for i in indices { raw[k][i] = Self.clamp(w.weigh(buffer[i], spec), w.minval, w.maxval) }
            }
        }
    }

    /// Normalises each column to 0…1 (minval/maxval as bounds when set), multiplies and sums per host.
    public func totals(_ raw: [[Double]], _ hosts: [HostState]) -> [Double] {
        var totals = [Double](repeating: 0, count: hosts.count)
        guard hosts.count >= 2 else { return totals }
        // Hosts in an aggregate may override a multiplier; all others share the configured one. Found once here:
        // reading every host's aggregates once per weigher was the largest cost of a request at 10,000 hosts.
        let aggregated = hosts.withUnsafeBufferPointer { b in b.indices.filter { !b[$0].aggregates.isEmpty } }
        // The first host outside every aggregate: the first position where the ascending list skips an index.
        let plain = aggregated.count == hosts.count ? nil
            : (aggregated.indices.first { aggregated[$0] != $0 } ?? aggregated.count)
        hosts.withUnsafeBufferPointer { hosts in
            totals.withUnsafeMutableBufferPointer { totals in
                for (k, w) in weighers.enumerated() {
                    raw[k].withUnsafeBufferPointer { column in
                        var lo = Double.infinity, hi = -Double.infinity
                        for v in column {
                            lo = min(lo, v)
                            hi = max(hi, v)
                        }
                        if let minval = w.minval { lo = minval }
                        if let maxval = w.maxval { hi = maxval }
                        guard hi != lo else { return }
                        let range = hi - lo
                        // Hosts outside aggregates share one multiplier: ask once, not per host.
                        let shared = plain.map { w.weightMultiplier(hosts[$0]) } ?? 0
                        if aggregated.isEmpty {
                            for i in column.indices { totals[i] += shared * (column[i] - lo) / range }
                            return
                        }
                        var next = 0  // position in `aggregated` (ascending)
                        for i in column.indices {
                            var m = shared
                            if next < aggregated.count && aggregated[next] == i {
                                m = w.weightMultiplier(hosts[i])
                                next += 1
                            }
                            totals[i] += m * (column[i] - lo) / range
                        }
                    }
                }
            }
        }
        return totals
    }

    /// Whether any host is in an aggregate (whose metadata may override a multiplier). By index: iterating the
    /// array would copy every HostState out.
    static func anyAggregated(_ hosts: [HostState]) -> Bool {
        hosts.withUnsafeBufferPointer { b in
            for i in b.indices where !b[i].aggregates.isEmpty { return true }
            return false
        }
    }

    @inline(__always)
    static func clamp(_ v: Double, _ minval: Double?, _ maxval: Double?) -> Double {
        var v = v
        if let minval { v = max(v, minval) }
        if let maxval { v = min(v, maxval) }
        return v
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
