/// A filter's answer for one host: pass, or reject with a reason the explain report counts.
public enum FilterVerdict: Sendable, Hashable {
    case pass
    case reject(RejectReason)

    public var passed: Bool { if case .pass = self { true } else { false } }
}

/// Why a filter rejected a host: fixed text, so the explain report groups hosts by reason ("service disabled
/// (812)") rather than listing one line per host. Only a string literal makes one — interpolation does not
/// compile — so no per-host value (a count, an address, an aggregate name) can end up in it.
public struct RejectReason: Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let text: String

    public typealias StringLiteralType = StaticString

    public init(stringLiteral text: StaticString) { self.text = text.description }

    public var description: String { text }
}

/// A host filter (Nova's `BaseHostFilter`): a synchronous, pure check of one host against a request.
/// "Host does not fit" is a `.reject` verdict; throwing means the filter itself broke.
public protocol HostFilter: Sendable {
    /// The name config uses in `[filter_scheduler] enabled_filters` (Nova's class name).
    static var name: String { get }
    /// Options this filter reads, so unknown-option warnings stay accurate.
    static var configOptions: [ConfigOption] { get }
    init(context: PluginContext) throws
    /// Run once for a multi-create request instead of once per instance.
    var runOncePerRequest: Bool { get }
    /// Also run when the request is a rebuild on the same host.
    var runOnRebuild: Bool { get }
    /// Whether this request gives the filter anything to check (a group policy, an image property, an extra
    /// spec it reads). Asked once per request; `false` passes every host without calling `filter` per host,
    /// which at 10,000 hosts is most of a request's time when most filters have nothing to say. Default `true`.
    func applies(to spec: RequestSpec) -> Bool
    /// The one check a filter writes, for one host. The pipeline runs it over the hosts and counts the reasons.
    func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict
    /// The pipeline's batching, not for plugins to implement: the kernel's default below runs `filter` over the
    /// candidates. It is a requirement only so that the default is compiled per filter type, in the filter's
    /// module, where `filter` is a direct (usually inlined) call; looping in the scheduler instead costs an
    /// unspecialised witness call per host and filter, which at 1,000 hosts is a large part of a request.
    func _filterBatch(_ hosts: UnsafeBufferPointer<HostState>, _ candidates: [Int], _ spec: RequestSpec,
                      into tally: inout FilterTally) throws
}

/// What one filter step produced: the surviving candidates and the number of hosts per rejection reason.
public struct FilterTally: Sendable {
    public var kept: [Int] = []
    public var reasons: [String: Int] = [:]

    public init(capacity: Int) { kept.reserveCapacity(capacity) }
}

extension HostFilter {
    public static var configOptions: [ConfigOption] { [] }
    public var runOncePerRequest: Bool { false }
    public var runOnRebuild: Bool { false }
    public func applies(to spec: RequestSpec) -> Bool { true }

    @inlinable
    public func _filterBatch(_ hosts: UnsafeBufferPointer<HostState>, _ candidates: [Int], _ spec: RequestSpec,
                             into tally: inout FilterTally) throws {
        // Consecutive hosts mostly share a reason (a disabled rack): count runs, hash once per run.
        var last: RejectReason?
        var run = 0
        for i in candidates {
            switch try filter(hosts[i], spec) {
            case .pass: tally.kept.append(i)
            case .reject(let reason):
                if reason == last {
                    run += 1
                } else {
                    if let last { tally.reasons[last.text, default: 0] += run }
                    last = reason
                    run = 1
                }
            }
        }
        if let last { tally.reasons[last.text, default: 0] += run }
    }
}

/// A host weigher (Nova's `BaseHostWeigher`): raw numbers per host; the pipeline clamps, normalises to 0…1
/// and multiplies (nova/weights.py).
public protocol HostWeigher: Sendable {
    static var name: String { get }
    static var configOptions: [ConfigOption] { get }
    init(context: PluginContext) throws
    /// The option name of the multiplier (also the aggregate metadata key that overrides it).
    var multiplierOption: String { get }
    /// The multiplier read from config (or the weigher's default).
    var multiplier: Double { get }
    var minval: Double? { get }
    var maxval: Double? { get }
    /// Whether hosts can weigh differently for this request. Asked once per request; `false` means every host
    /// would weigh the same, which normalisation turns into nothing, so `weigh` is not called. Default `true`.
    func applies(to spec: RequestSpec) -> Bool
    /// The one value a weigher computes, for one host (the pipeline clamps, normalises and multiplies).
    func weigh(_ host: HostState, _ spec: RequestSpec) -> Double
    /// The multiplier for one host (Nova's `weight_multiplier(host_state)`); the default applies the
    /// per-aggregate override. BuildFailureWeigher negates it.
    func weightMultiplier(_ host: HostState) -> Double
    /// The pipeline's batching, not for plugins to implement (see `HostFilter._filterBatch`): `weigh` for every
    /// host into `raw` (same indices).
    func _weighBatch(_ hosts: UnsafeBufferPointer<HostState>, _ spec: RequestSpec, into raw: inout [Double])
}

extension HostWeigher {
    public static var configOptions: [ConfigOption] { [] }
    public var minval: Double? { nil }
    public var maxval: Double? { nil }
    public func applies(to spec: RequestSpec) -> Bool { true }
    public func weightMultiplier(_ host: HostState) -> Double { aggregateMultiplier(host) ?? multiplier }

    @inlinable
    public func _weighBatch(_ hosts: UnsafeBufferPointer<HostState>, _ spec: RequestSpec, into raw: inout [Double]) {
        raw.withUnsafeMutableBufferPointer { raw in
            for i in hosts.indices { raw[i] = weigh(hosts[i], spec) }
        }
    }

    /// `get_weight_multiplier`: aggregate metadata named like the option; the minimum wins; unparsable
    /// values are ignored (the configured value applies).
    public func aggregateMultiplier(_ host: HostState) -> Double? {
        if host.aggregates.isEmpty { return nil }
        return host.aggregates.compactMap { $0.metadata[multiplierOption].flatMap { Double($0) } }.min()
    }
}
