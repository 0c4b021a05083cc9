import Foundation
import HTTPTypes
import Hummingbird
import NimbusJSON

/// Neutron's list semantics over the views of one collection: filters on any attribute (repeated values OR;
/// unknown attributes 400, as with the `filter-validation` extension), `fields`, `sort_key`/`sort_dir`, and
/// `limit`/`marker` pages with a `<collection>_links` next link. Views are matched as shown, so a filter can
/// only see what the caller may see.
struct NeutronListing {
    static let control: Set<String> = ["fields", "limit", "marker", "sort_key", "sort_dir", "page_reverse"]
    let collection: String
    let limitMax: Int

    func page(_ views: [JSON], _ req: Request, notFound: (String) -> NeutronError) throws -> JSON {
        let q = Query(req)
        var items = views
        var filters: [String: [String]] = [:]
        for (k, v) in q.items where !Self.control.contains(k) { filters[k, default: []].append(v) }
        for (key, values) in filters.sorted(by: { $0.key < $1.key }) {
            guard views.isEmpty || views.contains(where: { $0[key] != nil }) else {
                throw NeutronError.badRequest("\(key) is invalid attribute for filtering")
            }
            items = items.filter { item in values.contains { Self.matches(item[key], $0) } }
        }
        if let key = q["sort_key"] {
            let desc = q["sort_dir"] == "desc"
            guard q["sort_dir"] == nil || ["asc", "desc"].contains(q["sort_dir"]) else {
                throw NeutronError.badRequest("Invalid sort direction")
            }
            items.sort { a, b in
                let (x, y) = (Self.sortText(a[key]), Self.sortText(b[key]))
                return desc ? x > y : x < y
            }
        }
        if let marker = q["marker"] {
            guard let at = items.firstIndex(where: { $0["id"]?.string == marker }) else { throw notFound(marker) }
            items.removeFirst(at + 1)
        }
        var limit = limitMax
        if let l = q["limit"] {
            guard let n = Int(l), n >= 0 else {
                throw NeutronError.badRequest("Bad limit request: Limit must be an integer 0 or greater and not '\(l)'.")
            }
            if n > 0 { limit = min(n, limitMax) }
        }
        var body: [String: JSON] = [:]
        if items.count > limit {
            items.removeLast(items.count - limit)
            if let last = items.last?["id"]?.string {
                let href = "http://\(req.head.authority ?? "127.0.0.1")/v2.0/\(collection)?limit=\(limit)&marker=\(last)"
                body["\(collection)_links"] = [["rel": "next", "href": .string(href)]]
            }
        }
        let fields = q.all("fields").filter { !$0.isEmpty }
        if !fields.isEmpty {
            items = items.map { item in .object((item.object ?? [:]).filter { fields.contains($0.key) }) }
        }
        body[collection] = .array(items)
        return .object(body)
    }

    /// `fields` for a single resource (`GET /v2.0/networks/<id>?fields=…`).
    static func select(_ view: JSON, _ req: Request) -> JSON {
        let fields = Query(req).all("fields").filter { !$0.isEmpty }
        guard !fields.isEmpty else { return view }
        return .object((view.object ?? [:]).filter { fields.contains($0.key) })
    }

    /// One filter value against one attribute. Lists match when they hold the value; `fixed_ips` takes
    /// `ip_address=X` or `subnet_id=Y` as Neutron's port filter does.
    static func matches(_ attr: JSON?, _ value: String) -> Bool {
        switch attr {
        case .string(let s): return s == value
        case .bool(let b): return ["true", "1"].contains(value.lowercased()) == b
                && ["true", "1", "false", "0"].contains(value.lowercased())
        case .int(let i): return Int(value) == i
        case .null: return value.isEmpty || value == "None"
        case .array(let a):
            let kv = value.split(separator: "=", maxSplits: 1).map(String.init)
            return a.contains { e in
                if case .string(let s) = e { return s == value }
                if kv.count == 2, let o = e.object { return o[kv[0]]?.string == kv[1] }
                return false
            }
        default: return false
        }
    }

    static func sortText(_ j: JSON?) -> String {
        switch j {
        case .string(let s): s
        case .int(let i): String(format: "%020d", i)
        case .bool(let b): b ? "1" : "0"
        default: ""
        }
    }
}
