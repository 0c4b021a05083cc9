import Foundation
import NimbusKernel

/// Hint `query`: a JSON expression such as `[">=", "$free_ram_mb", 1024]` with operators
/// `= < > in <= >= not or and`; `$attr.key` reads HostState (json_filter.py).
public struct JsonFilter: HostFilter {
    public static let name = "JsonFilter"
    public init(context: PluginContext) throws {}
    public var runOncePerRequest: Bool { true }

    public func filter(_ host: HostState, _ spec: RequestSpec) throws -> FilterVerdict {
        guard let query = spec.schedulerHints["query"]?.first, !query.isEmpty else { return .pass }
        guard let parsed = try? JSONSerialization.jsonObject(with: Data(query.utf8), options: [.fragmentsAllowed])
        else { return .reject("query hint is not JSON") }
        var result = evaluate(parsed, host)
        if let list = result as? [Any] { result = list.contains { truthy($0) } }
        return truthy(result) ? .pass : .reject("query hint is false")
    }

    func evaluate(_ query: Any, _ host: HostState) -> Any {
        guard let q = query as? [Any], let cmd = q.first as? String else { return true }
        var args: [Any] = []
        for arg in q.dropFirst() {
            let cooked: Any? = if arg is [Any] { evaluate(arg, host) } else if let s = arg as? String { resolve(s, host) }
                else { arg }
            if let cooked { args.append(cooked) }
        }
        switch cmd {
        case "=": return compare(args) { $0 == .orderedSame }
        case "<": return compare(args) { $0 == .orderedAscending }
        case ">": return compare(args) { $0 == .orderedDescending }
        case "<=": return compare(args) { $0 != .orderedDescending }
        case ">=": return compare(args) { $0 != .orderedAscending }
        case "in": return args.count >= 2 && args.dropFirst().contains { order(args[0], $0) == .orderedSame }
        case "not": return args.map { !truthy($0) }
        case "or": return args.contains { truthy($0) }
        case "and": return args.allSatisfy { truthy($0) }
        default: return false
        }
    }

    /// `$name.key…` → a HostState value; other strings stay literals; a missing variable drops the argument.
    func resolve(_ s: String, _ host: HostState) -> Any? {
        guard s.hasPrefix("$") else { return s }
        let path = s.dropFirst().split(separator: ".").map(String.init)
        return HostAttributes.lookup(host, path)
    }

    func compare(_ args: [Any], _ ok: (ComparisonResult) -> Bool) -> Bool {
        guard args.count >= 2 else { return false }
        return args.dropFirst().allSatisfy { order(args[0], $0).map(ok) ?? false }
    }

    func order(_ a: Any, _ b: Any) -> ComparisonResult? {
        if let x = number(a), let y = number(b) { return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        if let x = a as? String, let y = b as? String { return x < y ? .orderedAscending : x > y ? .orderedDescending : .orderedSame }
        return nil
    }

    func number(_ v: Any) -> Double? {
        switch v {
        case let i as Int: Double(i)
        case let d as Double: d
        case let n as NSNumber where !(v is String): n.doubleValue
        default: nil
        }
    }

    func truthy(_ v: Any) -> Bool {
        switch v {
        case let b as Bool: b
        case let list as [Any]: !list.isEmpty
        case let s as String: !s.isEmpty
        default: number(v).map { $0 != 0 } ?? true
        }
    }
}
