/// A filter's answer for one host: pass, or reject with a reason the explain report counts.
public enum FilterVerdict: Sendable, Hashable {
    case pass
    case reject(String)

    public var passed: Bool { if case .pass = self { true } else { false } }
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
    func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict
    /// Runs `filter` over `candidates` (indices into `hosts`), appending survivors to `kept` and counting
    /// reasons. The default is specialised per filter, so hosts are borrowed rather than copied per call.
    func filterAll(_ hosts: UnsafeBufferPointer<HostState>, _ candidates: [Int], _ spec: RequestSpec,
                   kept: inout [Int], reasons: inout [String: Int]) throws
}

extension HostFilter {
    public static var configOptions: [ConfigOption] { [] }
    public var runOncePerRequest: Bool { false }
    public var runOnRebuild: Bool { false }

    @inlinable
    public func filterAll(_ hosts: UnsafeBufferPointer<HostState>, _ candidates: [Int], _ spec: RequestSpec,
                          kept: inout [Int], reasons: inout [String: Int]) throws {
        for i in candidates {
            switch try filter(hosts[i], spec) {
            case .pass: kept.append(i)
            case .reject(let reason): reasons[reason, default: 0] += 1
            }
        }
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
    func weigh(_ host: HostState, _ spec: RequestSpec) -> Double
    /// The multiplier for one host (Nova's `weight_multiplier(host_state)`); the default applies the
    /// per-aggregate override. BuildFailureWeigher negates it.
    func weightMultiplier(_ host: HostState) -> Double
    /// `weigh` for every host into `raw` (same indices). The default is specialised per weigher, so hosts are
    /// borrowed rather than copied per call (the copies dominated the profile at 1,000+ hosts).
    func weighAll(_ hosts: UnsafeBufferPointer<HostState>, _ spec: RequestSpec, into raw: inout [Double])
}

extension HostWeigher {
    public static var configOptions: [ConfigOption] { [] }
    public var minval: Double? { nil }
    public var maxval: Double? { nil }
    public func weightMultiplier(_ host: HostState) -> Double { aggregateMultiplier(host) ?? multiplier }

    @inlinable
    public func weighAll(_ hosts: UnsafeBufferPointer<HostState>, _ spec: RequestSpec, into raw: inout [Double]) {
        for i in hosts.indices { raw[i] = weigh(hosts[i], spec) }
    }

    /// `get_weight_multiplier`: aggregate metadata named like the option; the minimum wins; unparsable
    /// values are ignored (the configured value applies).
    public func aggregateMultiplier(_ host: HostState) -> Double? {
        if host.aggregates.isEmpty { return nil }
        return host.aggregates.compactMap { $0.metadata[multiplierOption].flatMap { Double($0) } }.min()
    }
}
